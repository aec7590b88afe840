"""What deploying a definition means for any kind of service: placeholders worked out against the live service,
the plan file and its staleness checks, and the send -> wait -> read-back step. Providers call these with their
kind (toolkit.definition.kind) and their own rules (what is noise, how a change becomes a request)."""
