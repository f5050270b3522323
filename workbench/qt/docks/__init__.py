"""The main window's docks: filters, results, details, layers."""
