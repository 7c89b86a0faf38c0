"""What the pages' download buttons share."""

# The media type of every .xlsx download (templates, exports, backups, the audit log).
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
