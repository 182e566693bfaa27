import Testing

@testable import dirsync

/// `dirsync generate` makes addresses from names by transliterating, not by dropping letters.
@Suite struct GeneratorNameTests {
    @Test(arguments: [
        ("Zoë", "zoe"), ("Jürgen", "jurgen"), ("Straße", "strasse"), ("Łukasz", "lukasz"),
        ("Ærøskøbing", "aeroskobing"),
        ("Núñez", "nunez"), ("Þór", "thor"), ("O'Brien-Smith", "obriensmith"), ("山田", "shantian"),
    ])
    func namesAreTransliterated(_ name: String, _ expected: String) {
        #expect(DirectoryGenerator.Person.ascii(name) == expected)
    }
}
