import Foundation

/// The HTML page of the certificate site in one language. Every configured or certificate
/// string is escaped; the page has no scripts and no external resources.
struct CertificatePage {
    let language: SiteLanguage
    let publications: [PublishedCertificate]
    let offers: [String: [CertificateSite.Download]]

    var html: String {
        let text = PageText(language)
        var body = ""
        body += "<header>\n<nav class=\"lang\"><a href=\"\(text.otherLanguageHref)\" hreflang=\"\(text.otherLanguageCode)\" lang=\"\(text.otherLanguageCode)\">\(text.otherLanguageName)</a></nav>\n"
        body += "<h1>\(text.title)</h1>\n<p class=\"lead\">\(text.lead)</p>\n</header>\n<main>\n"
        body += "<section aria-labelledby=\"steps\">\n<h2 id=\"steps\">\(text.stepsHeading)</h2>\n<ol class=\"steps\">\n"
        for step in text.steps {
            body += "<li><strong>\(step.title)</strong> \(step.detail)</li>\n"
        }
        body += "</ol>\n</section>\n"
        body += "<section aria-labelledby=\"mailboxes\">\n<h2 id=\"mailboxes\">\(text.mailboxesHeading)</h2>\n"
        if publications.isEmpty {
            body += "<p>\(text.noMailboxes)</p>\n"
        }
        for publication in publications {
            body += mailboxSection(publication, text)
        }
        body += "</section>\n"
        body += "<section aria-labelledby=\"check\">\n<h2 id=\"check\">\(text.checkHeading)</h2>\n<p>\(text.checkText)</p>\n</section>\n"
        body += "</main>\n"
        return """
            <!DOCTYPE html>
            <html lang="\(language.code)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(text.title)</title>
            <style>\(CertificatePage.style)</style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    private func mailboxSection(_ publication: PublishedCertificate, _ text: PageText) -> String {
        let certificate = publication.certificate
        let address = escape(publication.mailbox)
        let downloads = offers[publication.mailbox] ?? []
        var html = "<article class=\"mailbox\">\n<h3><span class=\"address\">\(address)</span></h3>\n"
        html += "<p class=\"name\">\(escape(publication.displayName))</p>\n<p class=\"primary\">"
        for download in downloads.prefix(2) {
            let label = download.format == .vcard ? "vCard <span class=\"hint\">(\(text.bestForOutlook))</span>" : "PEM"
            html += "<a class=\"button\" href=\"\(escape(download.path))\" download=\"\(escape(download.filename))\" "
                + "type=\"\(escape(download.format.mimeType))\" aria-label=\"\(escape(text.downloadLabel(download, address: publication.mailbox)))\">"
                + "\(text.download) \(label)</a> "
        }
        html += "</p>\n<p class=\"other\">\(text.otherFormats): "
        html += downloads.dropFirst(2).map { download in
            "<a href=\"\(escape(download.path))\" download=\"\(escape(download.filename))\" type=\"\(escape(download.format.mimeType))\">"
                + "\(escape(text.formatName(download)))</a>"
        }.joined(separator: " · ")
        html += "</p>\n<dl>\n"
        html += "<dt>\(text.fingerprint)</dt><dd><code class=\"fingerprint\">\(escape(CertificatePage.grouped(certificate.sha256FingerprintHex)))</code></dd>\n"
        html += "<dt>\(text.validFrom)</dt><dd><time datetime=\"\(isoDate(certificate.notValidBefore))\">\(isoDate(certificate.notValidBefore))</time></dd>\n"
        html += "<dt>\(text.validUntil)</dt><dd><time datetime=\"\(isoDate(certificate.notValidAfter))\">\(isoDate(certificate.notValidAfter))</time></dd>\n"
        html += "<dt>\(text.issuer)</dt><dd>\(escape(certificate.issuer))</dd>\n"
        html += "<dt>\(text.subject)</dt><dd>\(escape(certificate.subject))</dd>\n"
        html += "</dl>\n</article>\n"
        return html
    }

    /// The colon-separated fingerprint with a space after every fourth byte, for reading aloud.
    static func grouped(_ fingerprint: String) -> String {
        let bytes = fingerprint.split(separator: ":")
        return stride(from: 0, to: bytes.count, by: 4).map { start in
            bytes[start..<min(start + 4, bytes.count)].joined(separator: ":")
        }.joined(separator: " ")
    }

    private func isoDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;line-height:1.5;color:#1a1a1a;background:#f6f7f9;margin:0}
        header,main{max-width:52rem;margin:0 auto;padding:0 1.25rem}
        header{padding-top:1.5rem}
        .lang{text-align:right}
        h1{font-size:1.9rem;margin:.5rem 0}
        h2{font-size:1.35rem;margin-top:2rem}
        .lead{font-size:1.1rem}
        .steps li{margin:.6rem 0}
        .mailbox{background:#fff;border:1px solid #d5d9e0;border-radius:.5rem;padding:1rem 1.25rem;margin:1rem 0}
        .mailbox h3{margin:.2rem 0;font-size:1.2rem;word-break:break-all}
        .name{margin:0 0 .75rem;color:#4a4f57}
        .button{display:inline-block;background:#00386b;color:#fff;padding:.55rem 1rem;border-radius:.35rem;text-decoration:none;margin:.2rem .4rem .2rem 0}
        .button:hover,.button:focus{background:#0a5299}
        .hint{font-weight:normal;opacity:.9}
        a{color:#00386b}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.75rem 0 0}
        dt{font-weight:600}
        dd{margin:0;word-break:break-word}
        .fingerprint{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.95rem}
        """
}

/// HTML-escapes text for element content and quoted attribute values.
func escape(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        default: escaped.append(character)
        }
    }
    return escaped
}

/// The page's words in one language (fixed text: already valid HTML).
struct PageText {
    struct Step {
        var title: String
        var detail: String
    }

    let title, lead, stepsHeading, mailboxesHeading, noMailboxes, checkHeading, checkText: String
    let steps: [Step]
    let download, bestForOutlook, otherFormats, withChain: String
    let fingerprint, validFrom, validUntil, issuer, subject: String
    let otherLanguageHref, otherLanguageCode, otherLanguageName: String

    init(_ language: SiteLanguage) {
        switch language {
        case .danish:
            title = "Send sikker mail til os"
            lead = "Skal du sende helbredsoplysninger, dit CPR-nummer eller andre personlige oplysninger? Send din mail krypteret til en af vores sikre postkasser. Så kan kun vi læse den."
            stepsHeading = "Sådan gør du – tre trin"
            steps = [
                Step(title: "Hent certifikatet.", detail: "Vælg postkassen nedenfor og hent dens certifikat: vCard er bedst til Outlook; PEM passer til de fleste andre mailprogrammer."),
                Step(title: "Importér certifikatet i dit mailprogram.", detail: "I Outlook åbner du vCard-filen og gemmer kontakten. I Thunderbird: Indstillinger → Privatliv og sikkerhed → Administrer certifikater → Andres → Importér. I Apple Mail: åbn filen, så lægges den i Nøglering."),
                Step(title: "Skriv navnet på medarbejderen eller afdelingen i emnefeltet, og send mailen krypteret.", detail: "Vi sender din mail videre til den rette person. Husk at slå kryptering til, før du trykker send."),
            ]
            mailboxesHeading = "Vores sikre postkasser"
            noMailboxes = "Der er ingen sikre postkasser sat op."
            checkHeading = "Tjek at certifikatet er ægte"
            checkText = "Vil du være sikker på, at du har det rigtige certifikat? Ring til os og bed os læse SHA-256-fingeraftrykket op, og sammenlign det med det, der står her og i dit mailprogram."
            download = "Hent"
            bestForOutlook = "bedst til Outlook"
            otherFormats = "Andre formater"
            withChain = "med kæde"
            fingerprint = "Fingeraftryk (SHA-256)"
            validFrom = "Gyldigt fra"
            validUntil = "Gyldigt til"
            issuer = "Udstedt af"
            subject = "Udstedt til"
            otherLanguageHref = "?lang=en"
            otherLanguageCode = "en"
            otherLanguageName = "English"
        case .english:
            title = "Send us secure mail"
            lead = "Do you need to send health information, your CPR number or other personal data? Send your mail encrypted to one of our secure mailboxes, so that only we can read it."
            stepsHeading = "How to do it – three steps"
            steps = [
                Step(title: "Download the certificate.", detail: "Pick the mailbox below and download its certificate: vCard is best for Outlook; PEM suits most other mail programs."),
                Step(title: "Import the certificate in your mail program.", detail: "In Outlook, open the vCard file and save the contact. In Thunderbird: Settings → Privacy &amp; Security → Manage Certificates → People → Import. In Apple Mail: open the file to add it to Keychain."),
                Step(title: "Write the name of the employee or department in the Subject, and send the mail encrypted.", detail: "We forward your mail to the right person. Remember to switch encryption on before you press send."),
            ]
            mailboxesHeading = "Our secure mailboxes"
            noMailboxes = "No secure mailboxes are configured."
            checkHeading = "Check that the certificate is genuine"
            checkText = "Want to be sure you have the right certificate? Call us and ask us to read out the SHA-256 fingerprint, and compare it with the one shown here and in your mail program."
            download = "Download"
            bestForOutlook = "best for Outlook"
            otherFormats = "Other formats"
            withChain = "with chain"
            fingerprint = "Fingerprint (SHA-256)"
            validFrom = "Valid from"
            validUntil = "Valid until"
            issuer = "Issued by"
            subject = "Issued to"
            otherLanguageHref = "?lang=da"
            otherLanguageCode = "da"
            otherLanguageName = "Dansk"
        }
    }

    func formatName(_ download: CertificateSite.Download) -> String {
        switch download.format {
        case .pem where download.includesChain: "PEM \(withChain)"
        case .p7c: "PKCS#7 (.p7c) \(withChain)"
        default: download.format.displayName
        }
    }

    func downloadLabel(_ download: CertificateSite.Download, address: String) -> String {
        "\(self.download) \(formatName(download)) – \(address)"
    }
}
