"""Mail both ways: outgoing mail (SMTP, the Prefect block, the outbox folder) and the mails' wording; the
inbox sources, the IMAP mailbox, bounded message parsing and the messages kept aside.
"""
