import Testing

@testable import DirectorySync

@Suite struct EmailAddressTests {
    @Test(arguments: [
        ("bo@acme.com", "bo@acme.com", "acme.com"),
        ("  Bo.Smith@ACME.com \n", "bo.smith@acme.com", "acme.com"),
        ("first+tag@sub.example.co.uk", "first+tag@sub.example.co.uk", "sub.example.co.uk"),
        ("o'neil@example.org", "o'neil@example.org", "example.org"),
        ("jürgen@bücher.de", "jürgen@bücher.de", "bücher.de"),
        ("x@xn--bcher-kva.de", "x@xn--bcher-kva.de", "xn--bcher-kva.de"),
    ])
    func canonicalisesValidAddresses(raw: String, canonical: String, domain: String) throws {
        let email = try EmailAddress(raw)
        #expect(email.canonical == canonical)
        #expect(email.domain == domain)
        #expect(email.description == canonical)
    }

    @Test(arguments: [
        ("", EmailAddress.Invalid.Reason.empty),
        ("bo.acme.com", .missingAt),
        ("@acme.com", .emptyLocalPart),
        ("bo@", .emptyDomain),
        ("bo@acme", .invalidDomain("acme")),
        ("bo@-acme.com", .invalidDomain("-acme.com")),
        ("bo@acme..com", .invalidDomain("acme..com")),
        ("bo@acme.123", .invalidDomain("acme.123")),
        ("bo smith@acme.com", .invalidCharacter(" ")),
        ("bo,x@acme.com", .invalidCharacter(",")),
        (".bo@acme.com", .misplacedDot),
        ("bo..x@acme.com", .misplacedDot),
        ("\"bo\"@acme.com", .quotedLocalPart),
        ("bo@[10.0.0.1]", .addressLiteral),
        (String(repeating: "a", count: 65) + "@acme.com", .localPartTooLong),
    ])
    func rejectsInvalidAddresses(raw: String, reason: EmailAddress.Invalid.Reason) {
        #expect(throws: EmailAddress.Invalid(input: raw, reason: reason)) { try EmailAddress(raw) }
    }

    @Test func errorNamesTheInputAndTheRule() {
        #expect(throws: EmailAddress.Invalid.self) { try EmailAddress("bo@") }
        do {
            _ = try EmailAddress("bo@")
        } catch {
            #expect(error.description == "'bo@' is not a valid email address: nothing after the '@'")
        }
    }

    @Test func addressesDifferingOnlyInCaseAreEqual() throws {
        #expect(try EmailAddress("Bo@Acme.com") == EmailAddress("bo@acme.COM"))
        #expect(Set([try EmailAddress("A@x.io"), try EmailAddress("a@X.io")]).count == 1)
    }
}

@Suite struct RoleTests {
    @Test func ordersOwnerAboveAdminAboveMemberAboveViewer() {
        #expect(Role.viewer < .member && Role.member < .admin && Role.admin < .owner)
        #expect(Role.allCases.sorted(by: >) == [.owner, .admin, .member, .viewer])
    }

    @Test func ownerIsNeverInvitable() {
        #expect(!Role.owner.isInvitable)
        #expect(Role.invitable == [.admin, .member, .viewer])
    }

    @Test func parsesCaseInsensitivelyAndExplainsUnknownNames() throws {
        #expect(try Role(parsing: " Admin ") == .admin)
        #expect(throws: Role.Unknown(text: "superuser")) { try Role(parsing: "superuser") }
        #expect(Role.Unknown(text: "x").description == "unknown role 'x' (roles: owner, admin, member, viewer)")
    }
}

@Suite struct TimeSpanTests {
    @Test(arguments: [
        ("7d", 604_800), ("168h", 604_800), ("1d12h", 129_600), ("90m", 5_400), ("45s", 45), ("2w", 1_209_600),
        ("30", 30),
    ])
    func parses(text: String, seconds: Int) throws {
        #expect(try TimeSpan(parsing: text).seconds == seconds)
    }

    @Test(arguments: ["", "d", "7x", "7d3", "-1d", "1.5h", "99999999999999999999d"])
    func rejects(text: String) {
        #expect(throws: TimeSpan.Invalid.self) { try TimeSpan(parsing: text) }
    }

    @Test func printsTheShortestExactSpelling() {
        #expect(TimeSpan.days(7).description == "7d")
        #expect(TimeSpan(seconds: 90_000).description == "1d1h")
        #expect(TimeSpan.minutes(90).description == "1h30m")
    }
}
