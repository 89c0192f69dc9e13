import Foundation
import Logging
import Testing
@testable import SecureMail

@Suite("Web: headless Chromium and the serve command", .serialized)
struct BrowserAndServeTests {
    @Test("Chromium renders the page in both languages with both mailboxes and their download links")
    func chromiumRendersThePage() async throws {
        guard ExternalTool.available("chromium") else { return }
        let server = try await RunningSite.start()
        try await server.serving {
            let artifacts = Repository.root.appendingPathComponent("Tests/artifacts")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let profile = try TemporaryFolder("chromium-profile")
            for (language, query, outlook) in [("da", "", "bedst til Outlook"), ("en", "?lang=en", "best for Outlook")] {
                let url = "\(server.baseURL)/\(query)"
                let common = [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                    "--user-data-dir=\(profile.path(language))",
                ]
                let dom = try await offCooperativePool { try ExternalTool.run("chromium", common + ["--dump-dom", url]) }
                #expect(dom.succeeded, "chromium --dump-dom: \(dom.standardError)")
                let html = dom.outputText
                #expect(html.contains("<html lang=\"\(language)\">"))
                #expect(html.contains(outlook))
                for publication in server.site.directory.publications {
                    #expect(html.contains(publication.mailbox))
                    for variant in PublishedVariant.all {
                        #expect(html.contains("href=\"/certs/\(variant.filename(for: publication.mailbox))\""))
                    }
                }
                let screenshot = artifacts.appendingPathComponent("certificate-page-\(language).png").path
                try? FileManager.default.removeItem(atPath: screenshot)
                let shot = try await offCooperativePool {
                    try ExternalTool.run("chromium", common + ["--screenshot=\(screenshot)", "--window-size=1200,1600", url])
                }
                #expect(shot.succeeded, "chromium --screenshot: \(shot.standardError)")
                let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: screenshot)))
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
                #expect(png.count > 20_000, "a blank page would compress to almost nothing")
            }
        }
    }

    @Test("serve: the web site answers on --http, and SIGTERM ends it gracefully with exit 0")
    func serveUntilSIGTERM() async throws {
        guard ExternalTool.available("curl") else { return }
        for _ in 0..<3 {
            let port = Int.random(in: 20_000..<60_000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: RelayProgram.path)
            process.arguments = ["serve", "--http", "127.0.0.1:\(port)"]
            process.currentDirectoryURL = Repository.root
            process.environment = ProcessInfo.processInfo.environment.merging(["SECUREMAIL_CONFIG": ""]) { $1 }
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            var healthy = false
            for _ in 0..<300 where process.isRunning {
                if let health = try? await Curl.get("http://127.0.0.1:\(port)", "/healthz"), health.status == 200 {
                    healthy = true
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            guard healthy else {
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
                continue
            }
            let page = try await Curl.get("http://127.0.0.1:\(port)", "/")
            #expect(page.status == 200)
            #expect(page.text.contains("sikkermail-arbejdsskade@gjensidige.dk"))
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 0, "\(log)")
            #expect(log.contains("listening"))
            return
        }
        Issue.record("serve did not come up on any of three random ports")
    }
}
