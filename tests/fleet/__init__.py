"""Fleet tests: many services from one template definition (`mlws fleet render|retrain`)."""
