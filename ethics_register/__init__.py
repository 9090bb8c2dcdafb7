"""The ethics committee's register of AI models, bias tests and audit log."""
