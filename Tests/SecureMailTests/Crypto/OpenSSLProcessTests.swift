import Testing
@testable import SecureMail

@Suite struct OpenSSLProcessTests {
    /// The relay calls it first; a library user may call it after OpenSSL is already in use
    /// (as this test process is), and again. Neither fails, and OpenSSL keeps working.
    @Test func initialisingAfterUseAndAgainLeavesOpenSSLWorking() throws {
        let mailbox = try CryptoFixtures.identity("sikkermail")
        try OpenSSLProcess.initialize()
        try OpenSSLProcess.initialize()
        let content = Array("Content-Type: text/plain\r\n\r\nSkadesanmeldelse\r\n".utf8)
        let encrypted = try CMS.encrypt(content, recipients: [CMSRecipient(certificate: mailbox.certificate)])
        #expect(try CMS.decrypt(encrypted, identities: [mailbox]).content == content)
    }
}
