import Foundation
import Testing
@testable import SecureMail

/// The demo organisation of DESIGN.md §6, exactly.
let demoRoutingTable = RoutingTable(
    mailboxes: [
        SecureMailbox(address: "sikkermail@gjensidige.dk", defaultDestination: "kundeservice@gjensidige.dk"),
        SecureMailbox(address: "sikkermail-arbejdsskade@gjensidige.dk", defaultDestination: "arbejdsskade@gjensidige.dk"),
    ],
    targets: [
        RouteTarget(kind: .department, name: "Skade", aliases: ["Skadeafdelingen", "Skadeservice"], address: "skade@gjensidige.dk"),
        RouteTarget(kind: .department, name: "Arbejdsskade", aliases: ["Arbejdsskadeafdelingen"], address: "arbejdsskade@gjensidige.dk"),
        RouteTarget(kind: .department, name: "Personskade", address: "personskade@gjensidige.dk"),
        RouteTarget(kind: .department, name: "Erhverv", aliases: ["Erhvervsafdelingen"], address: "erhverv@gjensidige.dk"),
        RouteTarget(kind: .department, name: "Kundeservice", address: "kundeservice@gjensidige.dk"),
        RouteTarget(kind: .department, name: "Rejse", aliases: ["Rejseforsikring", "Gouda", "Gouda Rejseforsikring"], address: "rejse@gjensidige.dk"),
        RouteTarget(kind: .department, name: "Regres", address: "regres@gjensidige.dk"),
        RouteTarget(kind: .department, name: "Databeskyttelse", aliases: ["DPO", "Databeskyttelsesrådgiver"], address: "dpo@gjensidige.dk"),
        RouteTarget(kind: .employee, name: "Søren Kjærgaard", address: "soeren.kjaergaard@gjensidige.dk"),
        RouteTarget(kind: .employee, name: "Åse Ødegård", address: "aase.oedegaard@gjensidige.dk"),
        RouteTarget(kind: .employee, name: "Mette Skade Jensen", address: "mette.jensen@gjensidige.dk"),
        RouteTarget(kind: .employee, name: "Björn Lindqvist", address: "bjorn.lindqvist@gjensidige.dk"),
        RouteTarget(kind: .employee, name: "Anne Holm", address: "anne.holm@gjensidige.dk"),
        RouteTarget(kind: .employee, name: "Anne Marie Holm", address: "annemarie.holm@gjensidige.dk"),
    ]
)

private let general = "sikkermail@gjensidige.dk"

/// What an ISO-8859-1 decoder makes of raw header bytes: each byte is the code point of the same value.
private func latin1Decoded(_ bytes: [UInt8]) -> String {
    var view = String.UnicodeScalarView()
    view.append(contentsOf: bytes.map { Unicode.Scalar($0) })
    return String(view)
}

/// What a UTF-8 decoder makes of raw header bytes.
private func utf8Decoded(_ bytes: [UInt8]) -> String {
    String(decoding: bytes, as: UTF8.self)
}
private let workInjury = "sikkermail-arbejdsskade@gjensidige.dk"

struct RoutingCase: Sendable, CustomTestStringConvertible {
    let subject: String?
    let mailbox: String
    let matched: String?
    let to: String
    let ambiguous: Bool
    var testDescription: String { "\(subject.map { "\"\($0)\"" } ?? "nil") → \(matched ?? to)" }

    init(_ subject: String?, _ matched: String?, to: String, mailbox: String = general, ambiguous: Bool = false) {
        self.subject = subject
        self.mailbox = mailbox
        self.matched = matched
        self.to = to
        self.ambiguous = ambiguous
    }
}

private let soren = "employee:Søren Kjærgaard"
private let aase = "employee:Åse Ødegård"
private let mette = "employee:Mette Skade Jensen"
private let bjorn = "employee:Björn Lindqvist"
private let anne = "employee:Anne Holm"
private let anneMarie = "employee:Anne Marie Holm"

let routingCases: [RoutingCase] = [
    // Employees, with the spellings customers use (UTF-8 and ISO-8859-1 both decode to these).
    RoutingCase("Søren Kjærgaard", soren, to: "soeren.kjaergaard@gjensidige.dk"),
    RoutingCase("Til Soeren Kjaergaard vedr. skadesag", soren, to: "soeren.kjaergaard@gjensidige.dk"),
    RoutingCase("Att: Soren Kjargaard", soren, to: "soeren.kjaergaard@gjensidige.dk"),
    RoutingCase("SØREN KJÆRGAARD", soren, to: "soeren.kjaergaard@gjensidige.dk"),
    RoutingCase("søren kjærgård", soren, to: "soeren.kjaergaard@gjensidige.dk"),
    RoutingCase("Sören Kjaergaard", soren, to: "soeren.kjaergaard@gjensidige.dk"),
    RoutingCase(latin1Decoded([0x56, 0x65, 0x64, 0x72, 0x2E, 0x20, 0x53, 0xF8, 0x72, 0x65, 0x6E, 0x20, 0x4B, 0x6A, 0xE6, 0x72, 0x67, 0x61, 0x61, 0x72, 0x64]),
                soren, to: "soeren.kjaergaard@gjensidige.dk"),
    RoutingCase(latin1Decoded([0xC5, 0x73, 0x65, 0x20, 0xD8, 0x64, 0x65, 0x67, 0xE5, 0x72, 0x64]), aase, to: "aase.oedegaard@gjensidige.dk"),
    RoutingCase(utf8Decoded([0x42, 0x6A, 0xC3, 0xB6, 0x72, 0x6E, 0x20, 0x4C, 0x69, 0x6E, 0x64, 0x71, 0x76, 0x69, 0x73, 0x74]),
                bjorn, to: "bjorn.lindqvist@gjensidige.dk"),
    RoutingCase(utf8Decoded([0x53, 0x6B, 0x61, 0x64, 0x65, 0x61, 0x66, 0x64, 0x65, 0x6C, 0x69, 0x6E, 0x67, 0x65, 0x6E]),
                "department:Skade", to: "skade@gjensidige.dk"),
    RoutingCase("Åse Ødegård", aase, to: "aase.oedegaard@gjensidige.dk"),
    RoutingCase("Aase Oedegaard", aase, to: "aase.oedegaard@gjensidige.dk"),
    RoutingCase("Ase Odegard", aase, to: "aase.oedegaard@gjensidige.dk"),
    RoutingCase("A\u{030A}se O\u{0338}degard", aase, to: "aase.oedegaard@gjensidige.dk"),
    RoutingCase("Björn Lindqvist", bjorn, to: "bjorn.lindqvist@gjensidige.dk"),
    RoutingCase("Bjoern Lindqvist", bjorn, to: "bjorn.lindqvist@gjensidige.dk"),
    RoutingCase("Bjorn Lindqvist", bjorn, to: "bjorn.lindqvist@gjensidige.dk"),
    RoutingCase("Bjørn Lindqvist", bjorn, to: "bjorn.lindqvist@gjensidige.dk"),
    RoutingCase("Ｂｊöｒｎ Ｌｉｎｄｑｖｉｓｔ", bjorn, to: "bjorn.lindqvist@gjensidige.dk"),
    // Longest match wins.
    RoutingCase("Anne Holm", anne, to: "anne.holm@gjensidige.dk"),
    RoutingCase("Anne Marie Holm", anneMarie, to: "annemarie.holm@gjensidige.dk"),
    RoutingCase("Anne-Marie Holm", anneMarie, to: "annemarie.holm@gjensidige.dk"),
    RoutingCase("Til Anne Holm og Anne Marie Holm", anneMarie, to: "annemarie.holm@gjensidige.dk"),
    RoutingCase("Gouda Rejseforsikring og Skade", "department:Rejse", to: "rejse@gjensidige.dk"),
    // A department inside an employee's name goes to the employee; employees beat departments.
    RoutingCase("Mette Skade Jensen", mette, to: "mette.jensen@gjensidige.dk"),
    RoutingCase("Att.: Mette Skade Jensen, skadesag", mette, to: "mette.jensen@gjensidige.dk"),
    RoutingCase("Skade: att. Søren Kjærgaard", soren, to: "soeren.kjaergaard@gjensidige.dk"),
    RoutingCase("Regres - Anne Holm", anne, to: "anne.holm@gjensidige.dk"),
    // Departments and aliases, word boundaries.
    RoutingCase("Skade", "department:Skade", to: "skade@gjensidige.dk"),
    RoutingCase("Att.: Skade,", "department:Skade", to: "skade@gjensidige.dk"),
    RoutingCase("Til Skadeafdelingen", "department:Skade", to: "skade@gjensidige.dk"),
    RoutingCase("skadeservice!", "department:Skade", to: "skade@gjensidige.dk"),
    RoutingCase("Personskade efter uheld", "department:Personskade", to: "personskade@gjensidige.dk"),
    RoutingCase("Ny arbejdsskade anmeldt", "department:Arbejdsskade", to: "arbejdsskade@gjensidige.dk"),
    RoutingCase("ARBEJDSSKADEAFDELINGEN", "department:Arbejdsskade", to: "arbejdsskade@gjensidige.dk"),
    RoutingCase("Erhvervsafdelingen: ny police", "department:Erhverv", to: "erhverv@gjensidige.dk"),
    RoutingCase("Spørgsmål til Kundeservice", "department:Kundeservice", to: "kundeservice@gjensidige.dk"),
    RoutingCase("Gouda", "department:Rejse", to: "rejse@gjensidige.dk"),
    RoutingCase("rejseforsikring - afbestilling", "department:Rejse", to: "rejse@gjensidige.dk"),
    RoutingCase("Indsigtsanmodning til DPO", "department:Databeskyttelse", to: "dpo@gjensidige.dk"),
    RoutingCase("Databeskyttelsesraadgiver", "department:Databeskyttelse", to: "dpo@gjensidige.dk"),
    RoutingCase("Skadesag 2024-118", nil, to: "kundeservice@gjensidige.dk"),
    RoutingCase("Skadeanmeldelse", nil, to: "kundeservice@gjensidige.dk"),
    // Reply and forward chains.
    RoutingCase("SV: Re: VS: Skade", "department:Skade", to: "skade@gjensidige.dk"),
    RoutingCase("RE : Fwd: AW: WG: Antw: Regres", "department:Regres", to: "regres@gjensidige.dk"),
    RoutingCase("Re[2]: Re(3): fw:Erhverv", "department:Erhverv", to: "erhverv@gjensidige.dk"),
    RoutingCase("Re:Re:Re: Anne Holm", anne, to: "anne.holm@gjensidige.dk"),
    RoutingCase("Regres", "department:Regres", to: "regres@gjensidige.dk"),
    RoutingCase("Sv: Åse\r\n Ødegård", aase, to: "aase.oedegaard@gjensidige.dk"),
    // Ambiguity: two different targets tie.
    RoutingCase("Skade og Regres", nil, to: "kundeservice@gjensidige.dk", ambiguous: true),
    RoutingCase("Skade og Regres", nil, to: "arbejdsskade@gjensidige.dk", mailbox: workInjury, ambiguous: true),
    RoutingCase("Anne Holm, Søren Kjærgaard", nil, to: "kundeservice@gjensidige.dk", ambiguous: true),
    RoutingCase("Skade, skade og Skadeservice", "department:Skade", to: "skade@gjensidige.dk"),
    // No match, empty, missing: each mailbox's default.
    RoutingCase("Spørgsmål om min police", nil, to: "kundeservice@gjensidige.dk"),
    RoutingCase("Spørgsmål om min police", nil, to: "arbejdsskade@gjensidige.dk", mailbox: workInjury),
    RoutingCase("", nil, to: "kundeservice@gjensidige.dk"),
    RoutingCase("   ", nil, to: "arbejdsskade@gjensidige.dk", mailbox: workInjury),
    RoutingCase("SV: ", nil, to: "kundeservice@gjensidige.dk"),
    RoutingCase(nil, nil, to: "kundeservice@gjensidige.dk"),
    RoutingCase(nil, nil, to: "arbejdsskade@gjensidige.dk", mailbox: workInjury),
    RoutingCase("Anne", nil, to: "kundeservice@gjensidige.dk"),
    RoutingCase("Holm", nil, to: "kundeservice@gjensidige.dk"),
    RoutingCase("Skade", "department:Skade", to: "skade@gjensidige.dk", mailbox: "SikkerMail-Arbejdsskade@Gjensidige.DK"),
]

@Test(arguments: routingCases)
func routesDemoSubjects(_ routingCase: RoutingCase) {
    let decision = SubjectRouter(table: demoRoutingTable).route(subject: routingCase.subject, mailbox: routingCase.mailbox)
    #expect(decision.matched == routingCase.matched, "\(decision.reason)")
    #expect(decision.to == [routingCase.to], "\(decision.reason)")
    #expect(decision.ambiguous == routingCase.ambiguous, "\(decision.reason)")
}

@Test func routingTableHasAtLeastFortyFiveCases() {
    #expect(routingCases.count >= 45)
}

@Test func ambiguityNamesTheCandidates() {
    let decision = SubjectRouter.route(subject: "Skade og Regres", mailbox: general, table: demoRoutingTable)
    #expect(decision.outcome == .ambiguous)
    #expect(decision.candidates == ["department:Skade", "department:Regres"])
    #expect(decision.reason.contains("ambiguous"))
    #expect(decision.reason.contains("default destination of sikkermail@gjensidige.dk"))
}

@Test func reasonsExplainTheDecision() {
    let router = SubjectRouter(table: demoRoutingTable)
    let viaAlias = router.route(subject: "Re: Skadeafdelingen", mailbox: general)
    #expect(viaAlias.reason == "matched department \"Skade\" via alias \"Skadeafdelingen\"")
    #expect(viaAlias.matchedName == "Skadeafdelingen")
    #expect(viaAlias.effectiveSubject == "Skadeafdelingen")
    let none = router.route(subject: "Hej", mailbox: general)
    #expect(none.reason == "no name matched: default destination of sikkermail@gjensidige.dk (kundeservice@gjensidige.dk)")
    #expect(none.outcome == .noMatch)
    let outranked = router.route(subject: "Skade: Søren Kjærgaard", mailbox: general)
    #expect(outranked.reason.contains("also named department \"Skade\""))
    #expect(router.route(subject: nil, mailbox: general).outcome == .noSubject)
}

@Test func unknownMailboxHasNoDestination() {
    let decision = SubjectRouter.route(subject: "Skade", mailbox: "someone@example.com", table: demoRoutingTable)
    #expect(decision.to.isEmpty)
    #expect(decision.outcome == .unknownMailbox)
    #expect(decision.matched == nil)
    #expect(decision.reason.contains("unknown mailbox \"someone@example.com\""))
}

@Test func effectiveSubjectStripsPrefixesAndUnfolds() {
    #expect(SubjectRouter.effectiveSubject(of: "SV: Re: VS:  Min\r\n\tskade") == "Min skade")
    #expect(SubjectRouter.effectiveSubject(of: "RE : Re[12]: Fwd:Fw: x") == "x")
    #expect(SubjectRouter.effectiveSubject(of: "Regres: Re: y") == "Regres: Re: y")
    #expect(SubjectRouter.effectiveSubject(of: "Re[x]: z") == "Re[x]: z")
    #expect(SubjectRouter.effectiveSubject(of: "Svar: z") == "Svar: z")
}

@Test func decisionEncodesTheReportShape() throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let matched = SubjectRouter.route(subject: "Skade", mailbox: general, table: demoRoutingTable)
    let json = String(decoding: try encoder.encode(matched), as: UTF8.self)
    #expect(json.contains("\"to\":[\"skade@gjensidige.dk\"]"))
    #expect(json.contains("\"matched\":\"department:Skade\""))
    #expect(json.contains("\"ambiguous\":false"))
    let none = SubjectRouter.route(subject: "Hej", mailbox: general, table: demoRoutingTable)
    let noneJSON = String(decoding: try encoder.encode(none), as: UTF8.self)
    #expect(noneJSON.contains("\"matched\":null"))
    #expect(try JSONDecoder().decode(RouteDecision.self, from: encoder.encode(none)) == none)
}

@Test func tableProblemsAreReported() {
    #expect(demoRoutingTable.problems().isEmpty)
    var broken = demoRoutingTable
    broken.targets.append(RouteTarget(kind: .department, name: "Skadeafdeling", aliases: ["Skadeservice", "---"], address: ""))
    let problems = broken.problems()
    #expect(problems.contains { $0.contains("\"Skadeservice\"") && $0.contains("department:Skade") })
    #expect(problems.contains { $0.contains("\"---\"") })
    #expect(problems.contains { $0.contains("has no address") })
}

/// The ASCII path of the name normaliser gives what Unicode's normalisations give, for every
/// ASCII byte alone and between letters, the collapsing digraphs in runs, and generated subjects.
@Test func asciiNameWordsAgreeWithTheUnicodePath() {
    var texts = (0..<128).map { String(UnicodeScalar(UInt8($0))) }
    texts += (0..<128).map { "Kj\(String(UnicodeScalar(UInt8($0))))rgaard 7" }
    texts += ["aaa", "AAE", "aeae", "Oe", "uee", "uuee", "Soeren Kjaergaard", "Til: Skade/Nr.12-A", "  ", ""]
    var state: UInt32 = 12_345
    let alphabet = Array("aeouAEOUbkrsT0129 .,-_:/\t'@".utf8)
    for length in 1...40 {
        var bytes: [UInt8] = []
        for _ in 0..<length {
            state = state &* 1_103_515_245 &+ 12_345
            bytes.append(alphabet[Int(state >> 16) % alphabet.count])
        }
        texts.append(String(decoding: bytes, as: UTF8.self))
    }
    for text in texts {
        #expect(NameNormaliser.asciiWords(of: text) == NameNormaliser.unicodeWords(of: text), "\(text.debugDescription)")
    }
    #expect(NameNormaliser.asciiWords(of: "Søren") == nil)
    #expect(NameNormaliser.words(of: "Søren Kjærgaard") == ["soren", "kjargard"])
}

/// The Latin-1 path gives what Unicode's normalisations give: every Latin-1 character alone,
/// between letters and after the letters it may collapse with, Nordic and German names, and
/// generated texts of Latin-1 letters, marks, digits and separators; nothing beyond Latin-1.
@Test func latin1NameWordsAgreeWithTheUnicodePath() {
    var texts = (0...0xFF).map { String(UnicodeScalar(UInt8($0))) }
    texts += (0...0xFF).flatMap { value in
        let character = String(UnicodeScalar(UInt8(value)))
        return ["Kj\(character)rgaard 7", "a\(character)", "o\(character)e", "\(character)\(character)", "A\(character)E"]
    }
    texts += ["Søren Kjærgaard", "Åse Ødegård", "Jürgen Müller-Straße", "Æblegård ½ ¹²³", "ÐÞþð ŁĿ", "Ærø  ÅÆØ", "Noël Zoë"]
    var state: UInt32 = 54_321
    let alphabet = Array("aeouAEOUæøåÆØÅäöüßéÉñÑçðþ×÷´¨¸¯½¹ªº 0129.-'".unicodeScalars)
    for length in 1...40 {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length {
            state = state &* 1_103_515_245 &+ 12_345
            scalars.append(alphabet[Int(state >> 16) % alphabet.count])
        }
        texts.append(String(scalars))
    }
    for text in texts where !text.unicodeScalars.contains(where: { $0.value > 0xFF }) {
        #expect(NameNormaliser.latin1Words(of: text) == NameNormaliser.unicodeWords(of: text), "\(text.debugDescription)")
    }
    #expect(NameNormaliser.latin1Words(of: "Łukasz") == nil)
    #expect(NameNormaliser.words(of: "Åse Ødegård") == NameNormaliser.unicodeWords(of: "Åse Ødegård"))
}
