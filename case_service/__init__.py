"""Case service: owns customers, contact points, cases and messages; opens or appends a case per inbound message."""
