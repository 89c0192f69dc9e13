/// An HTTP response the certificate site produces, independent of the server library.
public struct SiteResponse: Sendable, Equatable {
    /// The status code.
    public var status: Int
    /// Header fields in order (name, value).
    public var headers: [(String, String)]
    /// The body.
    public var body: [UInt8]

    /// A response with a status, headers and a body.
    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// Equal when status, headers (in order) and body are equal.
    public static func == (lhs: SiteResponse, rhs: SiteResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body
            && lhs.headers.map { "\($0.0)\u{0}\($0.1)" } == rhs.headers.map { "\($0.0)\u{0}\($0.1)" }
    }

    static func text(_ status: Int, _ message: String) -> SiteResponse {
        SiteResponse(
            status: status,
            headers: [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")],
            body: Array((message + "\n").utf8))
    }
}
