/// Finds statements about a person that reveal special categories of personal data
/// (GDPR art. 9 and 10), sentence by sentence.
///
/// A sentence yields a category when it holds a category term (`SpecialCategoryLexicon`)
/// and, at most 12 words away, something that ties it to a person: a pronoun or
/// possessive (`jeg`, `min`, `hon`, `his`, capital `I` ...) or a family or role noun
/// (`sønnen`, `kunden`, `patienten` ...). Trade-union names (`3F`, `HK`, `Unionen` ...)
/// also need a word of membership (`medlem`, `member` ...). A sentence that reads as
/// abstract (a privacy policy, a law, a product description, a condition, statistics:
/// "vi behandler", "such as", "kategorier", "hvis", "dækker" ...) yields nothing, even
/// when it addresses the reader as "du" or "your". Confidence is high when the person
/// word is within 6 words of the term, medium otherwise.
///
/// Sentences end at `.`, `!`, `?`, `;`, `•` and blank lines; a full stop after an
/// abbreviation (`f.eks.`, `art.`, `bl.a.`), a single letter or a number does not end one.
///
/// The text is read as UTF-8 bytes in one pass (`SentenceScan`): runs of ASCII letters are
/// lower-cased eight bytes at a time into one buffer reused for the whole sentence, tokens
/// are ranges into it, and what the lexicon says about each distinct word is looked up once
/// per text (`Vocabulary`, `CompiledLexicon`: flat tables, no allocation or reference
/// counting per word). A sentence is evaluated only when it holds a word that can tie it to
/// a person (an anchor, capital `I` or `her`): without one it yields nothing, whatever else
/// it says. The results are those of the scalar-by-scalar definition, which the tests keep
/// (ReferenceDetectors.swift) and compare with on generated and labelled texts.
struct SpecialCategoryDetector: Sendable {
    static let shared = SpecialCategoryDetector()

    private let lexicon = CompiledLexicon()

    /// One finding per category found in `text` (valid UTF-8): the highest confidence seen,
    /// at the offset (in Unicode scalars) of the first sentence that showed it.
    func findings(in text: UnsafeBufferPointer<UInt8>, location: String) -> [Finding] {
        lexicon.withView { lexicon in
            var scan = SentenceScan(lexicon: lexicon, text: text, location: location)
            defer { scan.release() }
            scan.run()
            return scan.found
        }
    }
}

/// How the last word of a lexicon entry matches a word of the text.
enum Mode: UInt8, Sendable { case exact, prefix, suffix, contains }

/// What a lexicon entry's match does in a sentence.
enum Role: UInt8, Sendable { case term, unionName, membership, anchor, suppressor }

/// One lexicon entry, as plain values (no references: reading it costs no reference counting).
private struct PatternRecord: Sendable {
    /// Offset in `ids` of the ids of the words but the last (and of the last when exact).
    var wordIds: Int32
    var wordCount: Int32
    /// Offset and length in `bytes` of the last word.
    var lastWord: Int32
    var lastLength: Int32
    /// Offset and count in `ids` of the words after which a suppressor does not suppress.
    var unlessNext: Int32
    var unlessNextCount: Int32
    var mode: Mode
    var role: Role
    /// The category of a term (unused for other roles).
    var kind: FindingKind
    var lowercaseOnly: Bool
}

/// A word of the sentence being read: ranges into the text and into the folded bytes.
private struct Token {
    var foldStart: Int
    var foldEnd: Int
    var textStart: Int
    var textEnd: Int
    /// What the lexicon says about the word (`WordFacts.headUnknown` when not yet looked up).
    var facts: WordFacts
    var capitalized: Bool
    var isCapitalI: Bool
    var id: Int32 { facts.id }

    /// The word's lower-cased bytes.
    func word(in folded: UnsafePointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: folded + foldStart, count: foldEnd - foldStart)
    }
}

/// What the lexicon says about one word: all that evaluating a sentence needs to know
/// before it tries individual patterns.
private struct WordFacts {
    /// Sentinel for `head`: prefix and inner patterns not looked up yet.
    static let headUnknown = Int32.min
    /// Id in the whole-word table, or -1.
    var id: Int32 = -1
    /// Id of the word's first three bytes among the prefix patterns' heads, or -1.
    var head: Int32 = headUnknown
    /// The inner patterns that may match (`LexiconView.innerCandidates`).
    var inner: UInt64 = 0
}

/// The facts of every distinct word of up to eight bytes seen in one text, so that each is
/// looked up in the lexicon once: natural text repeats a small vocabulary. Open addressing
/// keyed by the word's bytes (`WordTable.key`); it stops taking words at `maximumCapacity`.
private struct Vocabulary {
    private struct Entry {
        var key: UInt64 = 0
        var facts = WordFacts()
        /// 0 for an empty slot (words are never empty).
        var length = 0
    }

    private var entries: UnsafeMutablePointer<Entry>?
    private var capacity = 0
    private var count = 0
    private var shift: UInt64 = 64
    private static let maximumCapacity = 1 << 16

    /// No table at all when `capacity` is 0 (short texts: filling it would cost more than it saves).
    init(capacity: Int) {
        guard capacity > 0 else { return }
        allocate(capacity)
    }

    var isEnabled: Bool { entries != nil }

    func release() { entries?.deallocate() }

    private mutating func allocate(_ capacity: Int) {
        let storage = UnsafeMutablePointer<Entry>.allocate(capacity: capacity)
        storage.initialize(repeating: Entry(), count: capacity)
        entries = storage
        self.capacity = capacity
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    @inline(__always)
    private func slot(_ key: UInt64, _ length: Int) -> Int {
        Int(truncatingIfNeeded: ((key ^ UInt64(truncatingIfNeeded: length) &* 0x9E37_79B9_7F4A_7C15) &* 0xFF51_AFD7_ED55_8CCD) >> shift)
    }

    /// The facts stored for the word with this key and length, if any.
    @inline(__always)
    func facts(key: UInt64, length: Int) -> WordFacts? {
        guard let entries else { return nil }
        var slot = slot(key, length)
        while true {
            let entry = entries[slot]
            if entry.length == 0 { return nil }
            if entry.key == key && entry.length == length { return entry.facts }
            slot = (slot + 1) & (capacity - 1)
        }
    }

    mutating func insert(key: UInt64, length: Int, facts: WordFacts) {
        guard entries != nil else { return }
        if (count + 1) * 2 > capacity {
            guard capacity < Self.maximumCapacity else { return }
            grow()
        }
        guard let entries else { return }
        var slot = slot(key, length)
        while entries[slot].length != 0 { slot = (slot + 1) & (capacity - 1) }
        entries[slot] = Entry(key: key, facts: facts, length: length)
        count += 1
    }

    private mutating func grow() {
        guard let old = entries else { return }
        let oldCapacity = capacity
        allocate(capacity * 2)
        count = 0
        for index in 0..<oldCapacity where old[index].length != 0 {
            insert(key: old[index].key, length: old[index].length, facts: old[index].facts)
        }
        old.deallocate()
    }
}

/// One entry of ``SpecialCategoryLexicon``, read.
struct LexiconEntry {
    var words: [[UInt8]]
    var mode: Mode
    var lowercaseOnly: Bool
    var role: Role
    var kind: FindingKind
    var unlessNext: [[UInt8]]

    /// Reads an entry of ``SpecialCategoryLexicon`` (its syntax is described there), nil for
    /// an empty one. Every mark is ASCII, so the entry is read as UTF-8 bytes: every process
    /// that scans compiles the whole lexicon, and reading it by characters cost as much as
    /// the rest of the compilation.
    init?(_ entry: String, role: Role, kind: FindingKind) {
        var text = Array(entry.utf8)[...]
        unlessNext = []
        if let bar = text.firstIndex(of: UInt8(ascii: "|")) {
            unlessNext = text[(bar + 1)...].split(separator: UInt8(ascii: ",")).map { Array($0) }
            text = text[..<bar]
        }
        lowercaseOnly = text.first == UInt8(ascii: "!")
        if lowercaseOnly { text = text.dropFirst() }
        var phrase = text.split(separator: UInt8(ascii: " "))
        guard var last = phrase.popLast() else { return nil }
        let star = UInt8(ascii: "*")
        let leadingStar = last.first == star
        let trailingStar = last.last == star
        while last.first == star { last = last.dropFirst() }
        while last.last == star { last = last.dropLast() }
        mode = switch (leadingStar, trailingStar) {
        case (true, true): .contains
        case (true, false): .suffix
        case (false, true): .prefix
        case (false, false): .exact
        }
        phrase.append(last)
        words = phrase.map { Array($0) }
        self.role = role
        self.kind = kind
    }
}

/// The lexicon (`SpecialCategoryLexicon`) compiled into flat tables, built once.
///
/// Patterns whose first word must match whole are listed under that word's id; single-word
/// prefix patterns under their first three bytes (`heads`); suffix and contains patterns
/// (few) are tried against every word longer than three bytes that has a pair of adjacent
/// bytes one of them starts with.
private struct CompiledLexicon: Sendable {
    let words: WordTable
    let heads: WordTable
    let records: [PatternRecord]
    /// Pattern word ids, then per word id a start and end in `records`, then the same per head id.
    let ids: [Int32]
    let wordRanges: Int
    let headRanges: Int
    let innerStart: Int
    let innerEnd: Int
    /// The tokenizer's `ByteTables`, then per word id its flags, then the patterns' last words,
    /// then the insurance words.
    let bytes: [UInt8]
    let wordFlags: Int
    /// Offset in `ids` of the insurance words' offsets and lengths in `bytes`, and their number.
    let insuranceWords: Int
    let insuranceWordCount: Int
    /// Bit sets over pairs of bytes: 1,024 words for the heads, 1,024 for the inner patterns;
    /// then, for each pair that starts an inner pattern's word, the inner patterns (bit k:
    /// the k-th) whose word starts with it.
    let pairs: [UInt64]
    static let innerPairMasks = 2048
    /// Offset in `ids` of those pairs (as `b0 << 8 | b1`, sorted), and their number.
    let innerPairList: Int
    let innerPairCount: Int
    /// False when the pair filter cannot be used (an inner word shorter than two bytes, or
    /// more than 64 inner patterns): every inner pattern is then tried.
    let innerPairsSuffice: Bool
    /// True when every anchor pattern is listed under its first word, so that a sentence
    /// without such a word, capital `I` or `her` has no anchor and need not be evaluated.
    let anchorsAreWholeWords: Bool

    static let mayAnchorFlag: UInt8 = 1
    static let abbreviationFlag: UInt8 = 2
    static let herFlag: UInt8 = 4
    static let englishFunctionWordFlag: UInt8 = 8
    static let headLength = 3
    /// Compounds with these never count as category terms ("kræftforsikring" is a product).
    static let insurance = ["forsikring", "försäkring", "insurance"]

    init() {
        var entries: [LexiconEntry] = []
        func add(_ entry: String, role: Role, kind: FindingKind = .health) {
            if let parsed = LexiconEntry(entry, role: role, kind: kind) { entries.append(parsed) }
        }
        for (kind, terms) in SpecialCategoryLexicon.terms {
            for entry in terms { add(entry, role: .term, kind: kind) }
        }
        for entry in SpecialCategoryLexicon.unionNames { add(entry, role: .unionName) }
        for entry in SpecialCategoryLexicon.membershipCues { add(entry, role: .membership) }
        for entry in SpecialCategoryLexicon.anchors { add(entry, role: .anchor) }
        for entry in SpecialCategoryLexicon.suppressors { add(entry, role: .suppressor) }

        let englishFunctionWords = SpecialCategoryLexicon.englishFunctionWords.map { Array($0.utf8) }
        let abbreviations = SpecialCategoryLexicon.abbreviations.map { Array($0.utf8) }
        let her = Array("her".utf8)
        var wholeWords: [[UInt8]] = englishFunctionWords + abbreviations + [her]
        for entry in entries {
            wholeWords.append(contentsOf: entry.mode == .exact ? entry.words : entry.words.dropLast())
            wholeWords.append(contentsOf: entry.unlessNext)
        }
        let words = WordTable(wholeWords)
        func id(_ word: [UInt8]) -> Int32 { word.withUnsafeBufferPointer { words.id(of: $0) } }

        // Group the entries: by first word, by head, inner; each group in lexicon order.
        var byWord = [[LexiconEntry]](repeating: [], count: words.words.count)
        var headWords: [[UInt8]] = []
        var byHead: [[UInt8]: [LexiconEntry]] = [:]
        var inner: [LexiconEntry] = []
        var anchorsAreWholeWords = true
        for entry in entries {
            if entry.words.count > 1 || entry.mode == .exact {
                byWord[Int(id(entry.words[0]))].append(entry)
            } else if entry.mode == .prefix, entry.words[0].count >= Self.headLength {
                let head = Array(entry.words[0].prefix(Self.headLength))
                if byHead[head] == nil { headWords.append(head) }
                byHead[head, default: []].append(entry)
            } else {
                inner.append(entry)
            }
            if entry.role == .anchor, entry.words.count == 1, entry.mode != .exact { anchorsAreWholeWords = false }
        }
        let heads = WordTable(headWords)

        var records: [PatternRecord] = []
        var ids: [Int32] = []
        var bytes = ByteTables.make()
        let wordFlags = bytes.count
        var flags = [UInt8](repeating: 0, count: words.words.count)
        for word in englishFunctionWords { flags[Int(id(word))] |= Self.englishFunctionWordFlag }
        for word in abbreviations { flags[Int(id(word))] |= Self.abbreviationFlag }
        flags[Int(id(her))] |= Self.herFlag | Self.mayAnchorFlag
        for (wordId, group) in byWord.enumerated() where group.contains(where: { $0.role == .anchor }) {
            flags[wordId] |= Self.mayAnchorFlag
        }
        self.anchorsAreWholeWords = anchorsAreWholeWords
        bytes += flags
        func compile(_ entry: LexiconEntry) {
            let wordIds = ids.count
            ids += entry.words.dropLast().map(id)
            ids.append(entry.mode == .exact ? id(entry.words[entry.words.count - 1]) : -1)
            let unlessNext = ids.count
            ids += entry.unlessNext.map(id)
            let lastWord = bytes.count
            bytes += entry.words[entry.words.count - 1]
            records.append(PatternRecord(wordIds: Int32(wordIds), wordCount: Int32(entry.words.count),
                                         lastWord: Int32(lastWord), lastLength: Int32(entry.words[entry.words.count - 1].count),
                                         unlessNext: Int32(unlessNext), unlessNextCount: Int32(entry.unlessNext.count),
                                         mode: entry.mode, role: entry.role, kind: entry.kind, lowercaseOnly: entry.lowercaseOnly))
        }
        var wordRangeValues: [Int32] = []
        for group in byWord {
            wordRangeValues.append(Int32(records.count))
            group.forEach(compile)
            wordRangeValues.append(Int32(records.count))
        }
        var headRangeValues: [Int32] = []
        for head in heads.words {
            headRangeValues.append(Int32(records.count))
            (byHead[head] ?? []).forEach(compile)
            headRangeValues.append(Int32(records.count))
        }
        innerStart = records.count
        inner.forEach(compile)
        innerEnd = records.count
        wordRanges = ids.count
        ids += wordRangeValues
        headRanges = ids.count
        ids += headRangeValues

        insuranceWords = ids.count
        insuranceWordCount = Self.insurance.count
        for word in Self.insurance.map({ Array($0.utf8) }) {
            ids += [Int32(bytes.count), Int32(word.count)]
            bytes += word
        }

        var pairs = [UInt64](repeating: 0, count: 2048)

        func setPair(_ first: UInt8, _ second: UInt8, at base: Int) {
            let pair = Int(first) << 8 | Int(second)
            pairs[base + pair >> 6] |= 1 << UInt64(pair & 63)
        }
        for head in heads.words { setPair(head[0], head[1], at: 0) }
        var innerPairsSuffice = inner.count <= 64
        var masks: [UInt16: UInt64] = [:]
        for (position, entry) in inner.enumerated() {
            let word = entry.words[entry.words.count - 1]
            guard word.count >= 2 else {
                innerPairsSuffice = false
                continue
            }
            setPair(word[0], word[1], at: 1024)
            masks[UInt16(word[0]) << 8 | UInt16(word[1]), default: 0] |= 1 << UInt64(position & 63)
        }
        let pairList = masks.keys.sorted()
        innerPairList = ids.count
        innerPairCount = pairList.count
        ids += pairList.map { Int32($0) }
        pairs += pairList.map { masks[$0] ?? 0 }

        self.words = words
        self.heads = heads
        self.records = records
        self.ids = ids
        self.bytes = bytes
        self.wordFlags = wordFlags
        self.pairs = pairs
        self.innerPairsSuffice = innerPairsSuffice
    }

    /// Runs `body` with the tables borrowed as pointers.
    func withView<Result>(_ body: (LexiconView) -> Result) -> Result {
        words.withLookup { words in
            heads.withLookup { heads in
                records.withUnsafeBufferPointer { records in
                    ids.withUnsafeBufferPointer { ids in
                        bytes.withUnsafeBufferPointer { bytes in
                            pairs.withUnsafeBufferPointer { pairs in
                                body(LexiconView(lexicon: self, words: words, heads: heads, records: records, ids: ids,
                                                 bytes: bytes, pairs: pairs))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `CompiledLexicon`'s tables as pointers, valid inside `withView`.
private struct LexiconView {
    let words: WordTable.Lookup
    let heads: WordTable.Lookup
    let records: UnsafeBufferPointer<PatternRecord>
    let ids: UnsafeBufferPointer<Int32>
    let bytes: UnsafeBufferPointer<UInt8>
    let pairs: UnsafeBufferPointer<UInt64>
    let wordRanges: Int
    let headRanges: Int
    let innerStart: Int
    let innerEnd: Int
    let wordFlags: Int
    let innerPairsSuffice: Bool
    let innerPairList: Int
    let innerPairCount: Int
    let anchorsAreWholeWords: Bool
    let insuranceWords: Int
    let insuranceWordCount: Int

    init(lexicon: CompiledLexicon, words: WordTable.Lookup, heads: WordTable.Lookup, records: UnsafeBufferPointer<PatternRecord>,
         ids: UnsafeBufferPointer<Int32>, bytes: UnsafeBufferPointer<UInt8>, pairs: UnsafeBufferPointer<UInt64>) {
        self.words = words
        self.heads = heads
        self.records = records
        self.ids = ids
        self.bytes = bytes
        self.pairs = pairs
        wordRanges = lexicon.wordRanges
        headRanges = lexicon.headRanges
        innerStart = lexicon.innerStart
        innerEnd = lexicon.innerEnd
        wordFlags = lexicon.wordFlags
        innerPairsSuffice = lexicon.innerPairsSuffice
        innerPairList = lexicon.innerPairList
        innerPairCount = lexicon.innerPairCount
        anchorsAreWholeWords = lexicon.anchorsAreWholeWords
        insuranceWords = lexicon.insuranceWords
        insuranceWordCount = lexicon.insuranceWordCount
    }

    @inline(__always)
    func flags(_ id: Int32) -> UInt8 { id >= 0 ? bytes[wordFlags + Int(id)] : 0 }

    @inline(__always)
    func hasPair(_ first: UInt8, _ second: UInt8, inner: Bool) -> Bool {
        let pair = Int(first) << 8 | Int(second)
        return pairs[(inner ? 1024 : 0) + pair >> 6] & (1 << UInt64(pair & 63)) != 0
    }

    func lastWord(of record: PatternRecord) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[Int(record.lastWord)..<Int(record.lastWord + record.lastLength)])
    }

    /// The id of the first three bytes of `word` among the prefix patterns' heads, or -1.
    func headId(_ word: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard word.count >= CompiledLexicon.headLength, hasPair(word[0], word[1], inner: false) else { return -1 }
        let head = UnsafeBufferPointer(rebasing: word[0..<CompiledLexicon.headLength])
        return heads.id(key: WordTable.key(of: head), bytes: head)
    }

    /// The inner patterns (bit k: the k-th) that may match `word`: none for a word of three
    /// bytes or fewer, else those whose word starts with a pair of adjacent bytes of it.
    func innerCandidates(_ word: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard word.count > CompiledLexicon.headLength else { return 0 }
        guard innerPairsSuffice else { return ~0 }
        var candidates: UInt64 = 0
        for index in 1..<word.count where hasPair(word[index - 1], word[index], inner: true) {
            let pair = Int32(word[index - 1]) << 8 | Int32(word[index])
            var low = 0
            var high = innerPairCount
            while low < high {
                let middle = (low + high) / 2
                if ids[innerPairList + middle] < pair { low = middle + 1 } else { high = middle }
            }
            if low < innerPairCount, ids[innerPairList + low] == pair {
                candidates |= pairs[CompiledLexicon.innerPairMasks + low]
            }
        }
        return candidates
    }

    /// True when `word` holds one of the insurance words.
    func isInsuranceWord(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in 0..<insuranceWordCount {
            let start = Int(ids[insuranceWords + 2 * index])
            let length = Int(ids[insuranceWords + 2 * index + 1])
            if contains(word, UnsafeBufferPointer(rebasing: bytes[start..<start + length])) { return true }
        }
        return false
    }
}

/// The evaluation of one sentence against the lexicon; its lists are kept from sentence to
/// sentence for their storage.
private struct SentenceEvaluation {
    private var terms: [(kind: FindingKind, index: Int)] = []
    private var unionNames: [Int] = []
    private var anchors: [Int] = []
    private var herPositions: [Int] = []
    /// The categories the last sentence evaluated revealed, with confidence.
    private(set) var result: [(kind: FindingKind, confidence: FindingConfidence)] = []

    private static let anchorDistance = 12
    private static let closeDistance = 6

    /// Evaluates the sentence in `tokens`, whose words are ranges of `folded`, into `result`.
    mutating func evaluate(_ tokens: UnsafeBufferPointer<Token>, folded: UnsafePointer<UInt8>, lexicon: LexiconView) {
        // Most sentences leave these empty, and emptying an empty array still costs a call.
        if !terms.isEmpty { terms.removeAll(keepingCapacity: true) }
        if !unionNames.isEmpty { unionNames.removeAll(keepingCapacity: true) }
        if !anchors.isEmpty { anchors.removeAll(keepingCapacity: true) }
        if !herPositions.isEmpty { herPositions.removeAll(keepingCapacity: true) }
        if !result.isEmpty { result.removeAll(keepingCapacity: true) }
        var hasMembership = false
        var hasEnglish = false
        let records = lexicon.records
        let ids = lexicon.ids

        /// False when a suppressor matched: the sentence yields nothing.
        func consider(_ record: PatternRecord, at index: Int) -> Bool {
            guard Self.matches(record, in: tokens, at: index, folded: folded, lexicon: lexicon) else { return true }
            switch record.role {
            case .term: terms.append((record.kind, index))
            case .unionName: unionNames.append(index)
            case .membership: hasMembership = true
            case .anchor: anchors.append(index)
            case .suppressor:
                let next = index + Int(record.wordCount)
                if next >= tokens.count { return false }
                let nextId = tokens[next].id
                var excepted = false
                for offset in 0..<Int(record.unlessNextCount) where ids[Int(record.unlessNext) + offset] == nextId { excepted = true }
                if !excepted { return false }
            }
            return true
        }

        for index in 0..<tokens.count {
            let token = tokens[index]
            if token.isCapitalI { anchors.append(index) }
            if token.id >= 0 {
                let flags = lexicon.flags(token.id)
                if flags & CompiledLexicon.herFlag != 0 { herPositions.append(index) }
                if flags & CompiledLexicon.englishFunctionWordFlag != 0 { hasEnglish = true }
                let range = lexicon.wordRanges + 2 * Int(token.id)
                for recordIndex in Int(ids[range])..<Int(ids[range + 1]) where !consider(records[recordIndex], at: index) {
                    result.removeAll()
                    return
                }
            }
            var facts = token.facts
            if facts.head == WordFacts.headUnknown {
                let word = token.word(in: folded)
                facts.head = lexicon.headId(word)
                facts.inner = lexicon.innerCandidates(word)
            }
            if facts.head >= 0 {
                let range = lexicon.headRanges + 2 * Int(facts.head)
                for recordIndex in Int(ids[range])..<Int(ids[range + 1]) where !consider(records[recordIndex], at: index) {
                    result.removeAll()
                    return
                }
            }
            if facts.inner != 0 {
                for recordIndex in lexicon.innerStart..<lexicon.innerEnd
                where facts.inner & (1 << UInt64((recordIndex - lexicon.innerStart) & 63)) != 0
                    && !consider(records[recordIndex], at: index) {
                    result.removeAll()
                    return
                }
            }
        }
        if hasEnglish { anchors.append(contentsOf: herPositions) }
        guard !anchors.isEmpty else { return }
        anchors.sort()
        if hasMembership {
            for index in unionNames { terms.append((.tradeUnion, index)) }
        }
        for term in terms {
            let distance = distanceToNearestAnchor(term.index)
            guard distance <= Self.anchorDistance else { continue }
            let confidence: FindingConfidence = distance <= Self.closeDistance ? .high : .medium
            if let existing = result.firstIndex(where: { $0.kind == term.kind }) {
                if confidence == .high { result[existing].confidence = .high }
            } else {
                result.append((term.kind, confidence))
            }
        }
    }

    /// Distance from `index` to the nearest element of the sorted, non-empty `anchors`.
    private func distanceToNearestAnchor(_ index: Int) -> Int {
        var low = 0
        var high = anchors.count
        while low < high {
            let middle = (low + high) / 2
            if anchors[middle] < index { low = middle + 1 } else { high = middle }
        }
        var best = Int.max
        if low < anchors.count { best = anchors[low] - index }
        if low > 0 { best = min(best, index - anchors[low - 1]) }
        return best
    }

    private static func matches(_ record: PatternRecord, in tokens: UnsafeBufferPointer<Token>, at index: Int,
                                folded: UnsafePointer<UInt8>, lexicon: LexiconView) -> Bool {
        let count = Int(record.wordCount)
        guard index + count <= tokens.count else { return false }
        let ids = lexicon.ids
        for offset in 0..<(count - 1) where tokens[index + offset].id != ids[Int(record.wordIds) + offset] {
            return false
        }
        if record.lowercaseOnly, tokens[index].capitalized { return false }
        let token = tokens[index + count - 1]
        if record.mode == .exact { return token.id == ids[Int(record.wordIds) + count - 1] }
        let word = token.word(in: folded)
        let last = lexicon.lastWord(of: record)
        let found = switch record.mode {
        case .exact, .prefix: word.count >= last.count && equal(word, from: 0, last)
        case .suffix: word.count >= last.count && equal(word, from: word.count - last.count, last)
        case .contains: contains(word, last)
        }
        return found && !lexicon.isInsuranceWord(word)
    }
}

/// The scan of one text: the tokenizer's state and the sentence's tokens, in buffers reused
/// from sentence to sentence; the tables are borrowed as pointers so that the per-byte and
/// per-word work does no reference counting.
private struct SentenceScan {
    let lexicon: LexiconView
    let text: UnsafeBufferPointer<UInt8>
    let location: String
    var found: [Finding] = []
    private var offsets: ScalarOffsets
    /// The lower-cased bytes of the sentence's words, back to back, followed by at least
    /// eight readable bytes (`WordTable.key(ofPadded:)`).
    private var folded: UnsafeMutablePointer<UInt8>
    private var foldedCapacity = 4096
    private var foldedCount = 0
    private var vocabulary: Vocabulary
    private var tokens: UnsafeMutablePointer<Token>
    private var tokenCapacity = 256
    private var tokenCount = 0
    private var mayHaveAnchor = false
    /// Byte offset of the word being read, or -1 between words.
    private var wordStart = -1
    private var wordFoldStart = 0
    private var wordCapitalized = false
    private var sentenceStart = 0
    private var newlines = 0
    private var evaluation = SentenceEvaluation()

    init(lexicon: LexiconView, text: UnsafeBufferPointer<UInt8>, location: String) {
        self.lexicon = lexicon
        self.text = text
        self.location = location
        offsets = ScalarOffsets(text)
        folded = .allocate(capacity: foldedCapacity + 8)
        folded.initialize(repeating: 0, count: foldedCapacity + 8)
        tokens = .allocate(capacity: tokenCapacity)
        vocabulary = Vocabulary(capacity: text.count >= 4096 ? 1024 : 0)
    }

    func release() {
        folded.deallocate()
        tokens.deallocate()
        vocabulary.release()
    }

    mutating func run() {
        let count = text.count
        let tables = lexicon.bytes
        var index = 0
        while index < count {
            let byte = text[index]
            if byte < 0x80 {
                var fold = tables[ByteTables.asciiFold + Int(byte)]
                if fold != 0 {
                    if wordStart < 0 { startWord(at: index, capitalized: byte &- 0x41 < 26) }
                    newlines = 0
                    // A run of ASCII letters and digits, the common case: eight bytes at a time,
                    // then byte by byte near the end of the text.
                    var length = 8
                    while length == 8, index + 8 <= count {
                        if foldedCount + 8 > foldedCapacity { growFolded() }
                        let chunk = UnsafeRawPointer(text.baseAddress.unsafelyUnwrapped).loadUnaligned(fromByteOffset: index, as: UInt64.self)
                        let lowered: UInt64
                        (lowered, length) = ByteTables.asciiWordPrefix(chunk)
                        UnsafeMutableRawPointer(folded + foldedCount).storeBytes(of: lowered, as: UInt64.self)
                        foldedCount += length
                        index += length
                    }
                    guard length == 8, index < count else { continue }
                    fold = tables[ByteTables.asciiFold + Int(text[index])]
                    while fold != 0 {
                        appendFolded(fold)
                        index += 1
                        guard index < count else { break }
                        fold = tables[ByteTables.asciiFold + Int(text[index])]
                    }
                    continue
                }
                if wordStart >= 0 { endWord(at: index) }
                switch byte {
                case 0x0A:
                    newlines += 1
                    if newlines >= 2 { endSentence(next: index + 1) }
                case 0x0D, 0x20, 0x09:
                    break
                case 0x21, 0x3F, 0x3B:
                    newlines = 0
                    endSentence(next: index + 1)
                case 0x2E:
                    newlines = 0
                    if isSpaceOrEnd(at: index + 1) && !followsAbbreviation(endingAt: index) {
                        endSentence(next: index + 1)
                    }
                default:
                    newlines = 0
                }
                index += 1
                continue
            }
            let (scalar, next) = UTF8Scanning.decode(text, at: index)
            let value = scalar.value
            if value < 0x100 ? tables[ByteTables.latin1IsWord + Int(value) - 0x80] != 0 : isWordScalar(scalar) {
                if wordStart < 0 { startWord(at: index, capitalized: Latin1Properties.isUppercase(scalar)) }
                if value < 0x100 {
                    let lower = tables[ByteTables.latin1Fold + Int(value) - 0x80]
                    appendFolded(0xC0 | lower >> 6)
                    appendFolded(0x80 | lower & 0x3F)
                } else {
                    UTF8.encode(lowercasedScalar(scalar)) { appendFolded($0) }
                }
                newlines = 0
            } else {
                if wordStart >= 0 { endWord(at: index) }
                switch value {
                case 0xA0:
                    break
                case 0x2022:
                    newlines = 0
                    endSentence(next: next)
                default:
                    newlines = 0
                }
            }
            index = next
        }
        if wordStart >= 0 { endWord(at: count) }
        endSentence(next: count)
    }

    @inline(__always)
    private mutating func appendFolded(_ byte: UInt8) {
        if foldedCount == foldedCapacity { growFolded() }
        folded[foldedCount] = byte
        foldedCount += 1
    }

    private mutating func growFolded() {
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: foldedCapacity * 2 + 8)
        larger.initialize(repeating: 0, count: foldedCapacity * 2 + 8)
        larger.update(from: folded, count: foldedCount)
        folded.deallocate()
        folded = larger
        foldedCapacity *= 2
    }

    @inline(__always)
    private mutating func startWord(at index: Int, capitalized: Bool) {
        wordStart = index
        wordFoldStart = foldedCount
        wordCapitalized = capitalized
    }

    @inline(__always)
    private mutating func endWord(at end: Int) {
        let word = UnsafeBufferPointer(start: folded + wordFoldStart, count: foldedCount - wordFoldStart)
        let key = WordTable.key(ofPadded: word)
        let facts: WordFacts
        if let known = vocabulary.facts(key: key, length: word.count) {
            facts = known
        } else if word.count <= 8 && vocabulary.isEnabled {
            let learned = WordFacts(id: lexicon.words.id(key: key, bytes: word), head: lexicon.headId(word),
                                    inner: lexicon.innerCandidates(word))
            vocabulary.insert(key: key, length: word.count, facts: learned)
            facts = learned
        } else {
            facts = WordFacts(id: lexicon.words.id(key: key, bytes: word))
        }
        let isCapitalI = end - wordStart == 1 && text[wordStart] == 0x49
        if isCapitalI || lexicon.flags(facts.id) & CompiledLexicon.mayAnchorFlag != 0 { mayHaveAnchor = true }
        if tokenCount == tokenCapacity { growTokens() }
        (tokens + tokenCount).initialize(to: Token(foldStart: wordFoldStart, foldEnd: foldedCount, textStart: wordStart,
                                                   textEnd: end, facts: facts, capitalized: wordCapitalized, isCapitalI: isCapitalI))
        tokenCount += 1
        wordStart = -1
    }

    private mutating func growTokens() {
        let larger = UnsafeMutablePointer<Token>.allocate(capacity: tokenCapacity * 2)
        larger.moveInitialize(from: tokens, count: tokenCount)
        tokens.deallocate()
        tokens = larger
        tokenCapacity *= 2
    }

    private mutating func endSentence(next: Int) {
        if tokenCount > 0 {
            if mayHaveAnchor || !lexicon.anchorsAreWholeWords {
                evaluation.evaluate(UnsafeBufferPointer(start: tokens, count: tokenCount), folded: folded, lexicon: lexicon)
                for (kind, confidence) in evaluation.result {
                    if let existing = found.firstIndex(where: { $0.kind == kind }) {
                        if confidence == .high { found[existing].confidence = .high }
                    } else {
                        found.append(Finding(kind: kind, masked: kind.rawValue, location: location, confidence: confidence,
                                             offset: offsets.scalars(before: sentenceStart)))
                    }
                }
            }
            tokenCount = 0
            foldedCount = 0
            mayHaveAnchor = false
        }
        sentenceStart = next
    }

    /// True at the end of the text or before a white-space scalar (what ends a sentence after a full stop).
    private func isSpaceOrEnd(at index: Int) -> Bool {
        guard index < text.count else { return true }
        let byte = text[index]
        if byte < 0x80 { return lexicon.bytes[ByteTables.asciiIsWhitespace + Int(byte)] != 0 }
        return UTF8Scanning.decode(text, at: index).scalar.properties.isWhitespace
    }

    /// True when the full stop at `index` ends an abbreviation, a single letter or a number.
    private func followsAbbreviation(endingAt index: Int) -> Bool {
        guard tokenCount > 0 else { return false }
        let token = tokens[tokenCount - 1]
        guard token.textEnd == index else { return false }
        if UTF8Scanning.decode(text, at: token.textStart).next == token.textEnd { return true }
        var allDigits = true
        for position in token.foldStart..<token.foldEnd where folded[position] &- 0x30 >= 10 { allDigits = false }
        return allDigits || lexicon.flags(token.id) & CompiledLexicon.abbreviationFlag != 0
    }
}

/// Per-byte tables of the tokenizer, in one array, computed once from the same definitions
/// the scalar functions use (`isWordScalar`, `lowercased`, `Latin1Properties`, Unicode's
/// white space).
enum ByteTables {
    /// 256 entries: an ASCII byte's lower-cased form when it is a letter or digit, else 0
    /// (also 0 for every byte from 0x80: they start or continue longer sequences).
    static let asciiFold = 0
    /// 128 entries: 1 for an ASCII white-space byte.
    static let asciiIsWhitespace = 256
    /// 128 entries for U+0080...U+00FF (at value - 0x80): 1 for a letter or digit.
    static let latin1IsWord = 384
    /// 128 entries for U+0080...U+00FF (at value - 0x80): the lower-cased scalar, also in that range.
    static let latin1Fold = 512

    /// The number of leading ASCII letters and digits in `chunk` (eight bytes, little-endian)
    /// and the chunk with its ASCII capitals lower-cased: `asciiFold` for eight bytes at once.
    /// Every sum below stays within its byte (seven-bit values plus at most 0x50).
    @inline(__always)
    static func asciiWordPrefix(_ chunk: UInt64) -> (lowered: UInt64, length: Int) {
        let high: UInt64 = 0x8080_8080_8080_8080
        let ascii = ~chunk & high
        let low = chunk & ~high
        let folded = low | 0x2020_2020_2020_2020
        let letter = (folded &+ 0x1F1F_1F1F_1F1F_1F1F) & ~(folded &+ 0x0505_0505_0505_0505)
        let digit = (low &+ 0x5050_5050_5050_5050) & ~(low &+ 0x4646_4646_4646_4646)
        let capital = (low &+ 0x3F3F_3F3F_3F3F_3F3F) & ~(low &+ 0x2525_2525_2525_2525) & ascii
        let notWord = ~((letter | digit) & ascii) & high
        return (chunk | capital >> 2, notWord == 0 ? 8 : notWord.trailingZeroBitCount / 8)
    }

    static func make() -> [UInt8] {
        let ascii = (0..<128).map { Unicode.Scalar(UInt8($0)) }
        let latin1 = (0x80..<0x100).map { Unicode.Scalar(UInt8($0)) }
        return ascii.map { isWordScalar($0) ? UInt8(lowercased($0)) : 0 } + [UInt8](repeating: 0, count: 128)
            + ascii.map { $0.properties.isWhitespace ? 1 : 0 }
            + latin1.map { Latin1Properties.isWordScalar[Int($0.value)] ? 1 : 0 }
            + latin1.map { UInt8(truncatingIfNeeded: lowercasedScalar($0).value) }
    }
}

/// True when `haystack` holds `needle` at `start` (the caller checks that it fits).
@inline(__always)
private func equal(_ haystack: UnsafeBufferPointer<UInt8>, from start: Int, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
    for index in 0..<needle.count where haystack[start + index] != needle[index] { return false }
    return true
}

/// True when `needle` occurs in `haystack` (both short words; a plain scan is fastest).
private func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
    guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
    let first = needle[0]
    var start = 0
    while start + needle.count <= haystack.count {
        if haystack[start] == first {
            var offset = 1
            while offset < needle.count, haystack[start + offset] == needle[offset] { offset += 1 }
            if offset == needle.count { return true }
        }
        start += 1
    }
    return false
}

/// Lower-cases one scalar without allocating for the Latin-1 range.
func lowercasedScalar(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    if scalar.value < 0x100 {
        return Unicode.Scalar(lowercased(scalar)) ?? scalar
    }
    guard scalar.properties.isUppercase else { return scalar }
    let mapping = scalar.properties.lowercaseMapping.unicodeScalars
    guard mapping.count == 1, let lower = mapping.first else { return scalar }
    return lower
}
