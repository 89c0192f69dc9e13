import Foundation

/// The text of office documents, which are ZIP archives of XML parts: Word (DOCX), Excel
/// (XLSX) and OpenDocument (ODT, ODS, ODP). Paragraphs and rows become lines, cells are
/// separated by tabs. Embedded objects and images are not read.
enum OfficeText {
    enum Format {
        case wordprocessing, spreadsheet, openDocument
    }

    /// Which office format `archive` holds, judged by the parts it contains.
    static func format(of archive: ZipArchive) -> Format? {
        if archive.entry(named: "word/document.xml") != nil { return .wordprocessing }
        if archive.entry(named: "xl/workbook.xml") != nil || archive.entries.contains(where: { $0.name.hasPrefix("xl/worksheets/") }) {
            return .spreadsheet
        }
        if archive.entry(named: "content.xml") != nil, archive.entry(named: "mimetype") != nil || archive.entry(named: "META-INF/manifest.xml") != nil {
            return .openDocument
        }
        return nil
    }

    /// The text of the document, or the problem that kept it from being read.
    static func text(of archive: ZipArchive, format: Format, budget: inout DecompressionBudget) -> Result<String, ZipArchive.Problem> {
        switch format {
        case .wordprocessing: wordText(archive, budget: &budget)
        case .spreadsheet: spreadsheetText(archive, budget: &budget)
        case .openDocument: openDocumentText(archive, budget: &budget)
        }
    }

    private static func wordText(_ archive: ZipArchive, budget: inout DecompressionBudget) -> Result<String, ZipArchive.Problem> {
        // The body first, then headers, footers, notes and comments, which can hold identifiers too.
        let extras = archive.entries.map(\.name).filter { name in
            guard name.hasPrefix("word/"), name.hasSuffix(".xml"), !name.dropFirst(5).contains("/") else { return false }
            let file = name.dropFirst(5)
            return ["header", "footer", "footnotes", "endnotes", "comments"].contains { file.hasPrefix($0) }
        }.sorted(by: naturalOrder)
        var pieces: [String] = []
        for name in ["word/document.xml"] + extras {
            guard let entry = archive.entry(named: name) else { continue }
            switch archive.read(entry, budget: &budget) {
            case .success(let xml):
                pieces.append(markupText(xml[...], lines: ["p"], rows: ["tr"], cells: ["tc"], breaks: ["br", "cr"], tabs: ["tab", "ptab"], spaces: []))
            case .failure(let problem):
                return .failure(problem)
            }
        }
        return .success(pieces.filter { !$0.isEmpty }.joined(separator: "\n"))
    }

    private static func openDocumentText(_ archive: ZipArchive, budget: inout DecompressionBudget) -> Result<String, ZipArchive.Problem> {
        if let manifest = archive.entry(named: "META-INF/manifest.xml"),
           case .success(let xml) = archive.read(manifest, budget: &budget),
           XMLEvents.find(xml[...], "encryption-data", from: 0) != nil {
            return .failure(ZipArchive.Problem(reason: UnreadableReason.encrypted))
        }
        guard let content = archive.entry(named: "content.xml") else {
            return .failure(ZipArchive.Problem(reason: "OpenDocument without content.xml"))
        }
        return archive.read(content, budget: &budget).map { xml in
            markupText(
                xml[...], lines: ["p", "h", "list-item"], rows: ["table-row"], cells: ["table-cell"], breaks: ["line-break"],
                tabs: ["tab"], spaces: ["s"])
        }
    }

    private static func spreadsheetText(_ archive: ZipArchive, budget: inout DecompressionBudget) -> Result<String, ZipArchive.Problem> {
        var sharedStrings: [String] = []
        if let entry = archive.entry(named: "xl/sharedStrings.xml") {
            switch archive.read(entry, budget: &budget) {
            case .success(let xml): sharedStrings = parseSharedStrings(xml[...])
            case .failure(let problem): return .failure(problem)
            }
        }
        let sheets = archive.entries.map(\.name)
            .filter { $0.hasPrefix("xl/worksheets/") && $0.hasSuffix(".xml") && !$0.dropFirst(14).contains("/") }
            .sorted(by: naturalOrder)
        var pieces: [String] = []
        for name in sheets {
            guard let entry = archive.entry(named: name) else { continue }
            switch archive.read(entry, budget: &budget) {
            case .success(let xml): pieces.append(sheetText(xml[...], sharedStrings: sharedStrings))
            case .failure(let problem): return .failure(problem)
            }
        }
        return .success(pieces.filter { !$0.isEmpty }.joined(separator: "\n"))
    }

    /// The strings of `xl/sharedStrings.xml`, one per `<si>`, rich-text runs joined.
    private static func parseSharedStrings(_ xml: ArraySlice<UInt8>) -> [String] {
        var strings: [String] = []
        var current: String?
        var inText = false
        var inPhonetic = false
        XMLEvents.walk(xml) { event in
            switch event {
            case .start(let name, _, let selfClosing):
                switch localName(name) {
                case "si": current = selfClosing ? nil : ""
                    if selfClosing { strings.append("") }
                case "t": inText = !selfClosing
                case "rPh": inPhonetic = !selfClosing
                default: break
                }
            case .end(let name):
                switch localName(name) {
                case "si":
                    strings.append(current ?? "")
                    current = nil
                case "t": inText = false
                case "rPh": inPhonetic = false
                default: break
                }
            case .text(let text):
                if inText, !inPhonetic { current?.append(text) }
            }
        }
        return strings
    }

    /// One line per row, cells separated by tabs; shared-string cells resolved.
    private static func sheetText(_ xml: ArraySlice<UInt8>, sharedStrings: [String]) -> String {
        var output = TextBuilder()
        var cellType: String?
        var inValue = false
        var value = ""
        XMLEvents.walk(xml) { event in
            switch event {
            case .start(let name, let attributes, let selfClosing):
                switch localName(name) {
                case "c":
                    cellType = XMLEvents.attribute("t", in: attributes)
                    value = ""
                case "v", "t": inValue = !selfClosing
                default: break
                }
            case .end(let name):
                switch localName(name) {
                case "v", "t": inValue = false
                case "c":
                    var cell = value
                    if cellType == "s", let index = Int(value.trimmingSpace()), sharedStrings.indices.contains(index) {
                        cell = sharedStrings[index]
                    }
                    output.append(contentsOf: cell)
                    output.separator("\t")
                case "row": output.lineBreak()
                default: break
                }
            case .text(let text):
                if inValue { value += text }
            }
        }
        return output.finish()
    }

    /// Text of an XML document part: elements named in `lines` end a line (inside a table
    /// cell, a space), `rows` end a table row, `cells` end a cell, and `breaks`, `tabs` and
    /// `spaces` stand for a line break, tab or space.
    private static func markupText(
        _ xml: ArraySlice<UInt8>, lines: Set<String>, rows: Set<String>, cells: Set<String>, breaks: Set<String>,
        tabs: Set<String>, spaces: Set<String>
    ) -> String {
        var output = TextBuilder()
        var openCells = 0
        XMLEvents.walk(xml) { event in
            switch event {
            case .start(let name, _, let selfClosing):
                let local = localName(name)
                if breaks.contains(local) {
                    output.forcedLineBreak()
                } else if tabs.contains(local) {
                    output.separator("\t")
                } else if spaces.contains(local) {
                    output.append(" ")
                } else if cells.contains(local), !selfClosing {
                    openCells += 1
                }
            case .end(let name):
                let local = localName(name)
                if lines.contains(local) {
                    if openCells > 0 { output.append(" ") } else { output.lineBreak() }
                } else if cells.contains(local) {
                    openCells = max(0, openCells - 1)
                    output.separator("\t")
                } else if rows.contains(local) {
                    output.lineBreak()
                }
            case .text(let text):
                output.append(contentsOf: text)
            }
        }
        return output.finish()
    }

    private static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    /// `sheet2.xml` before `sheet10.xml`.
    private static func naturalOrder(_ left: String, _ right: String) -> Bool {
        left.compare(right, options: .numeric) == .orderedAscending
    }
}
