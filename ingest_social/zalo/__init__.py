"""Zalo Official Account: the OA webhook and the OA message API."""
