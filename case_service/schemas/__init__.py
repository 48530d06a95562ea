"""HTTP request and response models of case_service, one module per API area."""
