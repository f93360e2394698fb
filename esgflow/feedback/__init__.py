"""Return letters to reporters: plain text for the e-mail body and an annotated copy of their workbook."""
