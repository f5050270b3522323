"""Writers for the files the workbench hands to people (CSV, XLSX); Qt-free."""
