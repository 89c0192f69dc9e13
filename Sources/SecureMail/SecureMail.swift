/// Facts about this build of the SecureMail library.
public enum SecureMailBuild {
    /// The semantic version of the library and the `securemail-relay` program.
    public static let version = "0.1.0"
}
