"""mlws: Azure ML web-service definitions as versioned JSON, with the commands that deploy them."""

__version__ = "0.1.0"
