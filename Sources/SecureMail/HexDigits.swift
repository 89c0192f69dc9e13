/// The upper-case hexadecimal digit for a value below 16: quoted-printable's escapes and the
/// hexadecimal text of serial numbers and fingerprints.
@inline(__always)
func hexDigit(_ value: UInt8) -> UInt8 {
    value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") - 10 + value
}
