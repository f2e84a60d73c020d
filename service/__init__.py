"""Rowscout: research companies listed in spreadsheet rows."""
