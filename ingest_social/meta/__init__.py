"""Meta's platforms: Messenger, Instagram messaging and WhatsApp Cloud, behind one webhook and one Graph API."""
