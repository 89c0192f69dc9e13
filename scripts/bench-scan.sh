#!/usr/bin/env bash
# Benchmark of `securemail-relay scan` (issue 5): builds release, generates a ~50 MB Danish
# text corpus with synthetic CPR numbers and a mixed mail (HTML + DOCX + PDF attachments),
# then measures in the same run scan throughput against `grep -P` on the same text, and
# writes the numbers into the "DLP scan" section of BENCHMARKS.md.
# Usage: scripts/bench-scan.sh [corpus size in MB, default 50]
# BENCH_KEEP=DIR keeps the generated inputs in DIR (for profiling with valgrind --tool=callgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb="${1:-50}"
runs=15

command -v hyperfine >/dev/null || { apt-get install -y -qq hyperfine >/dev/null 2>&1 || true; }
relay="$(scripts/build-release.sh 2>/dev/null)"

if [ -n "${BENCH_KEEP:-}" ]; then
    work="$BENCH_KEEP"
    mkdir -p "$work"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
fi

python3 - "$work" "$size_mb" <<'PY'
import io, os, random, sys, zipfile, zlib
work, size_mb = sys.argv[1], int(sys.argv[2])
random.seed(5)
words = ("og i at det en til er som på de med han af for ikke der var mig sig men et har om vi min havde "
         "skade forsikring kunde police erstatning bil hus carport vand tag kælder tyveri cykel indbo "
         "anmeldelse sagsbehandler afdeling venlig hilsen tak henvendelse bekræfter modtaget vedhæftet "
         "faktura beløb kroner dato uge måned år mandag tirsdag onsdag torsdag fredag København Aarhus "
         "Odense Aalborg telefon adresse vej gade nummer postnummer betaling konto reference").split()

def cpr():
    weights = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1]
    while True:
        day, month, year = random.randint(1, 28), random.randint(1, 12), random.randint(40, 99)
        serial = random.randint(1000, 3999)
        digits = "%02d%02d%02d%04d" % (day, month, year, serial)
        if sum(w * int(d) for w, d in zip(weights, digits)) % 11 == 0:
            return digits[:6] + random.choice(["-", "", " "]) + digits[6:]

def paragraph():
    sentences = []
    for _ in range(random.randint(3, 8)):
        sentence = [random.choice(words) for _ in range(random.randint(6, 16))]
        roll = random.random()
        if roll < 0.02:
            sentence += ["cpr-nr.", cpr()]
        elif roll < 0.10:
            sentence += ["policenummer", str(random.randint(10**9, 10**10 - 1))]
        elif roll < 0.15:
            sentence += ["tlf.", "%08d" % random.randint(20000000, 99999999)]
        sentences.append(" ".join(sentence).capitalize() + ".")
    return " ".join(sentences) + "\n\n"

target = size_mb * 1_000_000
with open(os.path.join(work, "corpus.txt"), "w", encoding="utf-8") as corpus:
    written = 0
    while written < target:
        text = paragraph()
        corpus.write(text)
        written += len(text.encode("utf-8"))

# The mixed mail: text body, HTML alternative, DOCX, PDF (FlateDecode), about 6 MB in all.
body = "".join(paragraph() for _ in range(400))
html = "<html><body>" + "".join("<p>%s</p>" % p.replace("&", "&amp;") for p in body.split("\n\n") if p) + "</body></html>"
def docx(text):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        paragraphs = "".join('<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>' % p for p in text.split("\n\n") if p)
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body></w:document>' % paragraphs)
    return buffer.getvalue()
def pdf(text):
    lines = [l for p in text.split("\n\n") for l in [p[i:i + 90] for i in range(0, len(p), 90)]]
    pages = [lines[i:i + 50] for i in range(0, len(lines), 50)]
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", None, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for page in pages:
        content = b"BT /F1 10 Tf 50 780 Td " + b" ".join(b"(" + l.encode("latin-1", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b") Tj 0 -14 Td" for l in page) + b" ET"
        data = zlib.compress(content)
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (len(objects)))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    out = io.BytesIO(); out.write(b"%PDF-1.4\n"); offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell()); out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
import base64
def b64(data):
    encoded = base64.b64encode(data).decode()
    return "\r\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))
parts = [
    ("multipart/alternative; boundary=alt", None),
]
mail = ("From: sagsbehandler@example.dk\r\nTo: kunde@example.com\r\nSubject: Din skade\r\nMessage-ID: <bench@example.dk>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=mix\r\n\r\n"
        "--mix\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n"
        "--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(body.encode()) + "\r\n"
        "--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(html.encode()) + "\r\n--alt--\r\n"
        "--mix\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=brev.docx\r\n"
        "Content-Disposition: attachment; filename=brev.docx\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(docx(body)) + "\r\n"
        "--mix\r\nContent-Type: application/pdf; name=brev.pdf\r\nContent-Disposition: attachment; filename=brev.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + b64(pdf(body)) + "\r\n--mix--\r\n")
open(os.path.join(work, "mixed.eml"), "w").write(mail)
# The text the mixed mail carries, once per readable part, for grep on the same text.
open(os.path.join(work, "mixed-text.txt"), "w").write(body * 4)
PY

corpus="$work/corpus.txt"
mixed="$work/mixed.eml"
corpus_bytes=$(stat -c %s "$corpus")
mixed_bytes=$(stat -c %s "$mixed")
mixed_text_bytes=$(stat -c %s "$work/mixed-text.txt")
pattern='\b\d{6}-?\d{4}\b'

# Mean wall time in seconds of a command over $runs runs (after one warm-up).
measure() {
    if command -v hyperfine >/dev/null; then
        hyperfine --style none --warmup 1 --runs "$runs" --export-json "$work/h.json" "$1" >/dev/null 2>&1
        python3 -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))['results'][0]['mean'])" "$work/h.json"
    else
        bash -c "$1" >/dev/null 2>&1
        local start end
        start=$(date +%s.%N)
        for _ in $(seq "$runs"); do bash -c "$1" >/dev/null 2>&1; done
        end=$(date +%s.%N)
        python3 -c "print('%.4f' % ((float('$end') - float('$start')) / $runs))"
    fi
}
rate() { python3 -c "print('%.1f' % ($1 / 1e6 / $2))"; }

scan_corpus="$relay scan $corpus --json > /dev/null"
identifiers_corpus="$relay scan $corpus --detectors identifiers --json > /dev/null"
grep_corpus="grep -cP '$pattern' $corpus > $work/grep.out"
scan_mixed="$relay scan $mixed --json > /dev/null"
grep_mixed="grep -cP '$pattern' $work/mixed-text.txt > $work/grep.out"

t_scan=$(measure "$scan_corpus")
t_identifiers=$(measure "$identifiers_corpus")
t_grep=$(measure "$grep_corpus")
t_scan_mixed=$(measure "$scan_mixed")
t_grep_mixed=$(measure "$grep_mixed")

findings=$("$relay" scan "$corpus" --json | python3 -c "import json,sys; d=json.load(sys.stdin)['dlp']['findings']; print(len(d))")
identifier_findings=$("$relay" scan "$corpus" --detectors identifiers --json | python3 -c "import json,sys; d=json.load(sys.stdin)['dlp']['findings']; print(len(d))")
grep_lines=$(grep -cP "$pattern" "$corpus" || true)
mixed_findings=$("$relay" scan "$mixed" --json | python3 -c "import json,sys; r=json.load(sys.stdin); print(len(r['dlp']['findings']), len(r.get('unreadable', [])))")

tool=$(command -v hyperfine >/dev/null && hyperfine --version || echo "/usr/bin/time loop")
result=$(cat <<MD
<!-- bench-scan:begin -->
## DLP scan (\`scripts/bench-scan.sh\`)

Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(uname -m)), release build, $tool, $runs runs after one warm-up, mean wall time.

| input | command | bytes | mean s | MB/s |
| --- | --- | ---: | ---: | ---: |
| Danish text corpus | \`securemail-relay scan corpus.txt --json\` | $corpus_bytes | $t_scan | $(rate "$corpus_bytes" "$t_scan") |
| Danish text corpus | \`securemail-relay scan corpus.txt --detectors identifiers --json\` | $corpus_bytes | $t_identifiers | $(rate "$corpus_bytes" "$t_identifiers") |
| Danish text corpus | \`grep -cP '$pattern' corpus.txt\` | $corpus_bytes | $t_grep | $(rate "$corpus_bytes" "$t_grep") |
| mixed mail (text, HTML, DOCX, PDF) | \`securemail-relay scan mixed.eml --json\` | $mixed_bytes | $t_scan_mixed | $(rate "$mixed_bytes" "$t_scan_mixed") |
| the same text, 4 copies | \`grep -cP '$pattern' mixed-text.txt\` | $mixed_text_bytes | $t_grep_mixed | $(rate "$mixed_text_bytes" "$t_grep_mixed") |

Corpus: $findings findings from \`scan\` (deduplicated per masked value; CPR numbers validated,
plus special categories), $identifier_findings with \`--detectors identifiers\`; \`grep\` matched $grep_lines lines (no validation: policy and phone
numbers with 10 digits match too). Mixed mail: findings and unreadable parts: $mixed_findings.
<!-- bench-scan:end -->
MD
)

printf '%s\n' "$result" | scripts/benchmark-section.py bench-scan
echo "$result"
