"""An OOXML editing engine: an .xlsx changed by editing its XML in place, every part it does not touch
copied byte for byte. `patch.patch_workbook` is the door (cells filled and commented, a sheet of text
rows put first); `xml` (byte-offset scanning and edits), `package` (parts, relationships, the zip
writer), `styles`, `sheet` and `comments` each edit their own part.
"""
