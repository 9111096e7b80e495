"""The SQLite ledger: migrations, repositories returning typed models, the audit log. All SQL lives here."""
