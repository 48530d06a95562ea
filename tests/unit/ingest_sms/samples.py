"""Twilio webhook bodies as Twilio posts them, written from the parameter lists of Twilio's documentation
(messaging webhooks, message status callbacks, voice status callbacks, <Record> transcription and recording status
callbacks). The shared corpus has no Twilio captures (see ../shared/corpus/PROVENANCE.md, "Not found"), so these
stand in for them; the corpus test below runs every parser over any that are added there later.
"""

from __future__ import annotations

ACCOUNT = "AC" + "0123456789abcdef" * 2
US_NUMBER = "+14155550100"
VN_NUMBER = "+84912345678"
OURS = "+14155550199"

SMS = {
    "ToCountry": "US",
    "ToState": "CA",
    "SmsMessageSid": "SM" + "1" * 32,
    "NumMedia": "0",
    "ToCity": "SAN FRANCISCO",
    "FromZip": "94105",
    "SmsSid": "SM" + "1" * 32,
    "FromState": "CA",
    "SmsStatus": "received",
    "FromCity": "SAN FRANCISCO",
    "Body": "Hello, my order has not arrived",
    "FromCountry": "US",
    "To": OURS,
    "MessagingServiceSid": "MG" + "2" * 32,
    "ToZip": "94105",
    "NumSegments": "1",
    "ReferralNumMedia": "0",
    "MessageSid": "SM" + "1" * 32,
    "AccountSid": ACCOUNT,
    "From": US_NUMBER,
    "ApiVersion": "2010-04-01",
}

MMS = {
    **SMS,
    "SmsMessageSid": "MM" + "3" * 32,
    "SmsSid": "MM" + "3" * 32,
    "MessageSid": "MM" + "3" * 32,
    "Body": "",
    "NumMedia": "2",
    "MediaContentType0": "image/jpeg",
    "MediaUrl0": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/MM{'3' * 32}/Media/ME{'4' * 32}",
    "MediaContentType1": "application/pdf",
    "MediaUrl1": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/MM{'3' * 32}/Media/ME{'5' * 32}",
}

WHATSAPP = {
    "SmsMessageSid": "SM" + "6" * 32,
    "NumMedia": "0",
    "ProfileName": "Minh",
    "MessageType": "text",
    "SmsSid": "SM" + "6" * 32,
    "WaId": VN_NUMBER.lstrip("+"),
    "SmsStatus": "received",
    "Body": "Xin chào",
    "To": f"whatsapp:{OURS}",
    "NumSegments": "1",
    "ReferralNumMedia": "0",
    "MessageSid": "SM" + "6" * 32,
    "AccountSid": ACCOUNT,
    "From": f"whatsapp:{VN_NUMBER}",
    "ApiVersion": "2010-04-01",
}

STOP = {**SMS, "Body": "STOP", "OptOutType": "STOP", "MessageSid": "SM" + "7" * 32}

MESSAGE_STATUS_DELIVERED = {
    "SmsSid": "SM" + "8" * 32,
    "SmsStatus": "delivered",
    "MessageStatus": "delivered",
    "To": VN_NUMBER,
    "MessagingServiceSid": "MG" + "2" * 32,
    "MessageSid": "SM" + "8" * 32,
    "AccountSid": ACCOUNT,
    "From": OURS,
    "ApiVersion": "2010-04-01",
}

MESSAGE_STATUS_UNDELIVERED = {
    **MESSAGE_STATUS_DELIVERED,
    "SmsStatus": "undelivered",
    "MessageStatus": "undelivered",
    "ErrorCode": "30003",
}

CALL_STATUS_BUSY = {
    "Called": OURS,
    "ToState": "CA",
    "CallerCountry": "VN",
    "Direction": "inbound",
    "Timestamp": "Mon, 24 Nov 2026 09:15:00 +0000",
    "CallbackSource": "call-progress-events",
    "SipResponseCode": "486",
    "CallerState": "",
    "ToZip": "94105",
    "SequenceNumber": "0",
    "CallSid": "CA" + "9" * 32,
    "To": OURS,
    "CallerZip": "",
    "ToCountry": "US",
    "CalledZip": "94105",
    "ApiVersion": "2010-04-01",
    "CalledCity": "SAN FRANCISCO",
    "CallStatus": "busy",
    "Duration": "0",
    "From": VN_NUMBER,
    "CallDuration": "0",
    "AccountSid": ACCOUNT,
    "CalledCountry": "US",
    "CallerCity": "",
    "ToCity": "SAN FRANCISCO",
    "FromCountry": "VN",
    "Caller": VN_NUMBER,
    "FromCity": "",
    "CalledState": "CA",
    "FromZip": "",
    "FromState": "",
}

CALL_STATUS_COMPLETED = {**CALL_STATUS_BUSY, "CallStatus": "completed", "CallDuration": "95", "Duration": "2"}

TRANSCRIPTION = {
    "TranscriptionType": "fast",
    "TranscriptionUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Transcriptions/TR{'a' * 32}",
    "TranscriptionSid": "TR" + "a" * 32,
    "Called": OURS,
    "RecordingSid": "RE" + "b" * 32,
    "CallStatus": "completed",
    "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE{'b' * 32}",
    "From": VN_NUMBER,
    "Direction": "inbound",
    "url": "https://support.example.com/sms/twilio/voice/transcription",
    "AccountSid": ACCOUNT,
    "TranscriptionText": "I was charged twice for my order, please call me back.",
    "Caller": VN_NUMBER,
    "TranscriptionStatus": "completed",
    "CallSid": "CA" + "9" * 32,
    "To": OURS,
}

RECORDING_STATUS = {
    "AccountSid": ACCOUNT,
    "CallSid": "CA" + "9" * 32,
    "RecordingSid": "RE" + "c" * 32,
    "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE{'c' * 32}",
    "RecordingStatus": "completed",
    "RecordingDuration": "35",
    "RecordingChannels": "1",
    "RecordingStartTime": "Mon, 24 Nov 2026 09:15:00 +0000",
    "RecordingSource": "RecordVerb",
    "RecordingTrack": "both",
}

INBOUND_SMS = {"sms": SMS, "mms": MMS, "whatsapp": WHATSAPP, "stop": STOP}
ALL = {
    **INBOUND_SMS,
    "status-delivered": MESSAGE_STATUS_DELIVERED,
    "status-undelivered": MESSAGE_STATUS_UNDELIVERED,
    "call-busy": CALL_STATUS_BUSY,
    "call-completed": CALL_STATUS_COMPLETED,
    "transcription": TRANSCRIPTION,
    "recording": RECORDING_STATUS,
}
