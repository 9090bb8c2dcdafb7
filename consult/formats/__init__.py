"""Reading and writing the files that contributions come in and go out as.

Pure code: bytes or folders in, frozen dataclasses out. Nothing here imports
Flask or the database, so the web app and the CLI share it and the tests need
neither.

- `tables`: CSV and XLSX uploads as a `Table` of strings, and column guessing.
- `polis`: the CSV export of a Polis conversation, read and written.
- `decidim`: the comments export of a Decidim component.
- `csvout`: CSV that Excel opens correctly and safely.
- `errors`: `FormatError`, the problems a person must fix in their file.
"""
