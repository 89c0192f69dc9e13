#!/usr/bin/env python3
"""Writes the Extraction test fixtures: office documents (ZIP containers made with zipfile,
as Word, Excel and LibreOffice store them), PDFs with FlateDecode content streams, a ZIP bomb
and an 'encrypted' ZIP. Every identifier below is synthetic (a valid date and modulus-11
serial, no real person). Run from this folder: python3 generate.py"""
import zipfile, zlib, io, os

HERE = os.path.dirname(os.path.abspath(__file__))

def cpr(ddmmyy, start=1000):
    """A CPR number for the date whose serial passes modulus 11 (1900s: digit 7 is 0-3)."""
    weights = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1]
    for serial in range(start, 4000):
        digits = [int(c) for c in ddmmyy + "%04d" % serial]
        if sum(w * d for w, d in zip(weights, digits)) % 11 == 0:
            return ddmmyy + "-" + "%04d" % serial
    raise ValueError(ddmmyy)

DOCX_CPR = cpr("020285")     # document body, split over two runs
DOCX_HEADER_CPR = cpr("030385")
XLSX_CPR = cpr("040485")     # shared string
XLSX_INLINE_CPR = cpr("050585")  # inline string cell
ODT_CPR = cpr("060685")
PDF_CPR = cpr("070785")      # Tj in a FlateDecode stream
PDF_TJ_CPR = cpr("080885")   # TJ array with kerning
PDF_HEX_CPR = cpr("090985")  # hex string via a ToUnicode CMap

def write_zip(name, entries, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(os.path.join(HERE, name), "w", method) as archive:
        for entry_name, content in entries:
            info = zipfile.ZipInfo(entry_name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if entry_name == "mimetype" else method
            archive.writestr(info, content)

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
write_zip("letter.docx", [
    ("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'),
    ("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'),
    ("word/document.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>'
        '<w:p><w:r><w:t>Kære kunde &amp; familie</w:t></w:r></w:p>'
        f'<w:p><w:r><w:t xml:space="preserve">Skadelidtes CPR-nr. {DOCX_CPR[:4]}</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>{DOCX_CPR[4:]}</w:t></w:r></w:p>'
        '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Celle1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Celle2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
        '<w:p><w:r><w:t>Med venlig hilsen</w:t></w:r><w:r><w:br/></w:r><w:r><w:t>Skadeafdelingen</w:t></w:r></w:p>'
        '</w:body></w:document>'),
    ("word/header1.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:hdr {W}><w:p><w:r><w:t>Sag vedr. cpr {DOCX_HEADER_CPR}</w:t></w:r></w:p></w:hdr>'),
])

write_zip("ledger.xlsx", [
    ("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'),
    ("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Ark1" sheetId="1"/></sheets></workbook>'),
    ("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">'
        '<si><t>Navn</t></si><si><t>CPR</t></si><si><r><t>Jens </t></r><r><t>Hansen</t></r></si>'
        f'<si><t>{XLSX_CPR}</t></si></sst>'),
    ("xl/worksheets/sheet1.xml", '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1"><v>42</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'
        f'<row r="3"><c r="A3" t="inlineStr"><is><t>Peter</t></is></c><c r="B3" t="inlineStr"><is><t>{XLSX_INLINE_CPR}</t></is></c></row>'
        '</sheetData></worksheet>'),
])

write_zip("note.odt", [
    ("mimetype", "application/vnd.oasis.opendocument.text"),
    ("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'),
    ("content.xml", '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        '<text:h>Notat</text:h>'
        f'<text:p>Personnummer<text:s/>{ODT_CPR}</text:p><text:p>Næste<text:tab/>linje</text:p>'
        '</office:text></office:body></office:document-content>'),
])

def pdf(objects):
    """A PDF with a correct xref table; objects are bytes bodies numbered from 1."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()

def stream(dictionary, data, compress=True):
    if compress:
        data = zlib.compress(data)
        dictionary += b" /Filter /FlateDecode"
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"

def hex_utf16(text):
    return text.encode("utf-16-be").hex().upper().encode()

# Glyph ids 0x0010.. map to the CPR characters through the ToUnicode CMap.
hex_alphabet = sorted(set(PDF_HEX_CPR))
glyph = {c: 0x10 + i for i, c in enumerate(hex_alphabet)}
cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Custom def 1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
cmap += b"%d beginbfchar\n" % len(hex_alphabet)
for c in hex_alphabet:
    cmap += b"<%04X> <%s>\n" % (glyph[c], hex_utf16(c))
cmap += b"endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
hex_string = b"".join(b"%04X" % glyph[c] for c in PDF_HEX_CPR)

content = (b"BT /F1 12 Tf 72 720 Td (Skadeanmeldelse \\(kopi\\)) Tj 0 -16 Td (CPR-nummer: " + PDF_CPR.encode() + b") Tj"
           b" 0 -16 Td [(Ansat) -300 (cpr) -300 (" + PDF_TJ_CPR[:6].encode() + b") 20 (" + PDF_TJ_CPR[6:].encode() + b")] TJ"
           b" 0 -16 Td (F\\370dselsdato og \\(n\\346vnt\\)) Tj ET\n"
           b"BT /F2 12 Tf 72 600 Td (Kunde cpr ) Tj <" + hex_string + b"> Tj ET")
font1 = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
font2 = b"<< /Type /Font /Subtype /Type0 /BaseFont /Custom /Encoding /Identity-H /ToUnicode 7 0 R >>"
claim = pdf([
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>",
    stream(b"", content),
    font1,
    font2,
    stream(b"", cmap),
])
open(os.path.join(HERE, "claim.pdf"), "wb").write(claim)

# A PDF that the Helvetica-only cross-check with pdftotext can read in full.
simple = pdf([
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
    stream(b"", b"BT /F1 12 Tf 72 720 Td (Policenummer 123) Tj 0 -16 Td (CPR-nummer: " + PDF_CPR.encode() + b") Tj ET"),
    font1,
])
open(os.path.join(HERE, "simple.pdf"), "wb").write(simple)

# 40 MiB of zeros compress to about 40 KiB: over the default 32 MiB per-entry limit.
write_zip("bomb.zip", [("zeros.txt", b"\0" * (40 * 1024 * 1024)), ("readme.txt", "hello")])

# Zip with the 'encrypted' flag set (traditional PKWARE encryption) in both headers.
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr(zipfile.ZipInfo("secret.txt", date_time=(2026, 1, 1, 0, 0, 0)), "ciphertext stands here")
data = bytearray(buffer.getvalue())
local = data.find(b"PK\x03\x04"); data[local + 6] |= 1
central = data.find(b"PK\x01\x02"); data[central + 8] |= 1
open(os.path.join(HERE, "encrypted.zip"), "wb").write(bytes(data))

# ZIP inside ZIP, twelve levels: deeper than the default nesting limit of 8.
inner = zipfile.ZipInfo("level12.txt", date_time=(2026, 1, 1, 0, 0, 0))
payload = io.BytesIO()
with zipfile.ZipFile(payload, "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr(inner, "bottom")
for level in range(11, 0, -1):
    wrapper = io.BytesIO()
    with zipfile.ZipFile(wrapper, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("level%d.zip" % (level + 1), date_time=(2026, 1, 1, 0, 0, 0)), payload.getvalue())
    payload = wrapper
open(os.path.join(HERE, "nested.zip"), "wb").write(payload.getvalue())

with open(os.path.join(HERE, "identifiers.txt"), "w") as listing:
    for name in ["DOCX_CPR", "DOCX_HEADER_CPR", "XLSX_CPR", "XLSX_INLINE_CPR", "ODT_CPR", "PDF_CPR", "PDF_TJ_CPR", "PDF_HEX_CPR"]:
        listing.write("%s=%s\n" % (name, globals()[name]))
