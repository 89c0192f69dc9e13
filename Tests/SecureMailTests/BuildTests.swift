import Testing
@testable import SecureMail

@Test func versionIsSemantic() {
    #expect(SecureMailBuild.version.split(separator: ".").count == 3)
}
