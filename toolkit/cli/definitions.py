"""Offline commands on definition files (validate, import, edit, normalize, diff)."""
