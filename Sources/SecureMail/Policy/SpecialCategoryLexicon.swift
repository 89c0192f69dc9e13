/// The words behind special-category detection, in Danish, Swedish, Norwegian and English.
///
/// Entry syntax (lower case; words separated by single spaces; the marks apply to the
/// last word of a phrase): `word*` matches words starting with `word`, `*word` words
/// ending with it, `*word*` words containing it (Nordic compounds such as
/// `brystkræft`, `diskusprolaps`), `!word` only where the text does not capitalise it
/// (so the names Christian, Kristen and Iris are not beliefs or biometrics). Unmarked
/// words must match whole.
enum SpecialCategoryLexicon {
    /// Category terms: what a sentence must mention to be about that category.
    static let terms: [(FindingKind, [String])] = [
        (.health, [
            "diabet*", "sukkersyg*", "*kræft*", "*cancer*", "*kreft*", "*sklerose", "*sclerose", "sklerose*", "sclerosis", "epilep*",
            "astma*", "asthma*", "depressi*", "depresjon*", "angst*", "ångest*", "anxiety", "adhd", "autis*", "asperger*",
            "demens*", "dementia", "alzheimer*", "parkinson*", "hiv", "aids", "covid*", "long covid", "gigt*", "*gigt",
            "artrose*", "artros*", "arthritis", "migræne*", "migrän*", "migrene*", "migraine*", "*prolaps",
            "hjernerystelse*", "hjärnskakning*", "concussion*", "blodprop*", "blodpropp*", "stroke", "apopleksi*",
            "hjerneblødning*", "*infarkt", "hjerteanfald*", "heart attack", "blodtryk*", "blodtrykk*", "blodtryck*",
            "high blood pressure", "copd", "skizofren*", "schizophren*", "schizofren*", "bipolar*", "ptsd",
            "spiseforstyrrelse*", "ätstörning*", "anoreksi*", "anorexi*", "bulimi*", "alkoholi*", "alcoholi*",
            "misbrug*", "missbruk*", "narkoman*", "abort*", "missfall*", "miscarriage*", "gravid*", "graviditet*",
            "pregnan*", "svanger*", "terminsdato", "sygemeld*", "sjukskriv*", "sykemeld*", "sykmeld*", "sick leave",
            "sick", "syg", "sjuk", "syk", "sygdom*", "sjukdom*", "sykdom*", "illness*", "disease*", "diagnos*",
            "konstateret", "konstaterat", "konstatert", "indlagt", "inlagd", "innlagt", "hospitalised", "hospitalized",
            "opereret", "opererad", "operert", "surgery", "medicin", "medicinen", "medication", "antidepressiv*",
            "insulin*", "kemoterapi*", "kemo", "cellegift*", "cytostatika", "cytostatikabehandling", "chemotherapy",
            "strålebehandling*", "strålbehandling*", "radiotherapy", "dialyse*", "dialys*", "psykolog*", "psykiat*",
            "psychiatr*", "handicap*", "handikap*", "funktionsnedsæt*", "funktionsnedsätt*", "funksjonsnedsett*",
            "disabilit*", "piskesmæld*", "whiplash*", "brækket", "brækkede", "knoglebrud*", "*fraktur", "fraktur*",
            "fracture*", "brukket", "forstuvet", "forstuvning*", "tinnitus", "kørestol*", "rullstol*",
            "rullestol*", "wheelchair*", "amput*", "*smerter", "smerter", "smärt*", "kronisk*", "chronic", "stress",
            "stresset", "stressed", "udbrændt", "utbränd*", "utbrent", "burnout", "selvmord*", "självmord*", "suicid*",
            "psykisk*", "mental health", "allergi*", "cøliaki*", "celiaki*", "hjertesygdom*", "hjärtsjukdom*",
            "*tumor", "tumor*", "tumour*", "svulst*", "leukæmi*", "leukemi*", "lymfom*", "lymphoma*", "melanom*",
            "hepatitis", "*betændelse", "infektion*", "infection*", "injur*", "kvæst*", "genoptræning*",
            "rehabilitering*", "fødselsdepression",
        ]),
        (.tradeUnion, [
            "fagforening*", "fackförening*", "fackförbund*", "facket", "fagforbund*", "fagforeining*",
            "trade union*", "labour union*", "labor union*", "union member*", "union representative*",
            "tillidsrepræsentant*", "förtroendevald*", "tillitsvalgt*", "shop steward*", "a kasse", "a kassen",
        ]),
        (.criminal, [
            "dømt*", "dömd*", "dömdes", "domfæld*", "domfelt*", "convict*", "sentenced", "straffet", "straffedømt*",
            "straffad*", "straffesag*", "straffesak*", "straffeattest*", "straffeblad*", "børneattest*",
            "politiattest*", "belastningsregist*", "kriminalregist*", "criminal record*", "*fængs*", "*fängelse*",
            "fängslad*", "*fengsel*", "fengslet", "prison*", "imprisoned", "jail*", "afson*", "avtjän*", "sigtet",
            "sigtelse*", "siktet", "siktelse*", "misstänkt för", "mistænkt for", "mistenkt for", "suspected of",
            "tiltal*", "åtal*", "charged with", "anholdt", "anholdelse*", "anhåll*", "arrester*", "arrested",
            "pågreb*", "gripen", "pågrep*", "betinget dom", "ubetinget", "samfundstjeneste", "fodlænke*", "fotboja",
            "fotlenke", "spirituskørsel", "spritkørsel", "rattfylleri*", "promillekjøring", "drunk driving",
            "drink driving",
        ]),
        (.ethnicity, [
            "etni*", "ethnic*", "herkomst", "härkomst", "afstamning", "härstamning", "avstamming", "descent",
            "!roma", "romani", "kurd*", "sigøjner*", "zigenare*", "sigøyner*", "samisk*", "hudfarve*", "hudfärg*", "hudfarge*",
            "skin colour", "skin color", "racial*", "racemæssig*",
        ]),
        (.religion, [
            "muslim*", "islam*", "!kristen", "kristne", "a christian", "am christian", "kristendom*", "jøde", "jødisk*",
            "jødedom*", "!jude", "judisk*", "judendom*", "jewish", "jew", "hindu*", "buddhis*", "katolik*", "katolsk*",
            "catholic*", "protestant*", "ateist*", "atheist*", "religiøs*", "religiös*", "religious", "religion",
            "troende", "folkekirken", "svenska kyrkan", "den norske kirke", "statskirken", "moské*", "moske*",
            "mosque*", "synagog*", "ramadan*", "jehovas*", "jehovah*", "mormon*", "scientolog*", "sikh*",
            "pinsemenighed*", "pingstkyrka*", "frikirke*", "frikyrka*",
        ]),
        (.sexualOrientation, [
            "homoseks*", "homosexu*", "homofil*", "homo", "bøsse", "bøsser", "lesb*", "biseksu*", "bisexu*", "bifil*",
            "!gay", "queer", "panseksu*", "seksuel orientering", "seksuelle orientering", "sexuell läggning",
            "seksuell orientering", "sexual orientation", "sexliv*", "seksualliv*", "sex life", "samme køn",
            "samma kön", "samme kjønn", "same sex", "registreret partnerskab",
        ]),
        (.genetic, [
            "genetisk*", "genetic*", "gentest*", "genetic test*", "dna test*", "dna analys*", "dna prøve*", "dna profil*", "arvelig*", "ärftlig*", "hereditary",
            "brca*", "genmutation*", "mutation", "gendefekt*", "genfejl*", "anlægsbærer*", "huntington*",
        ]),
        (.biometric, [
            "fingeraftryk*", "fingeravtryck*", "fingeravtrykk*", "fingerprint*", "ansigtsgenkendelse*",
            "ansiktsigenkänning*", "ansiktsgjenkjenning*", "facial recognition", "face id", "ansigtsscanning*",
            "irisscanning*", "iris scan*", "irisskanning*", "nethindescanning*", "retina scan*", "voiceprint*",
            "stemmeaftryk*", "biometri*", "håndfladescanning*",
        ]),
    ]

    /// Trade-union names: count only when the sentence also speaks of membership.
    static let unionNames: [String] = [
        "3f", "hk", "foa", "dansk metal", "metal", "djøf", "krifa", "det faglige hus", "ida", "ingeniørforeningen",
        "dansk sygeplejeråd", "dsr", "bupl", "dm", "danmarks lærerforening", "lærerforeningen", "fødevareforbundet",
        "nnf", "serviceforbundet", "blik og rør", "malerforbundet", "dansk el forbund", "teknisk landsforbund",
        "finansforbundet", "lederne", "socialpædagogerne", "kommunal", "if metall", "unionen", "vision",
        "akademikerförbundet", "saco", "tco", "lo", "fh", "handels", "byggnads", "seko", "lärarförbundet",
        "sveriges lärare", "vårdförbundet", "sveriges ingenjörer", "ledarna", "fellesforbundet", "fagforbundet",
        "unio", "ys", "akademikerne", "delta", "parat", "norsk sykepleierforbund", "utdanningsforbundet",
        "el og it forbundet", "unite", "unison", "gmb", "teamsters",
    ]

    /// Words that speak of membership (for union names).
    static let membershipCues: [String] = [
        "medlem*", "member*", "organiseret", "organiserad", "organisert", "indmeld*", "meldt", "innmeld*",
        "kontingent*", "fagligt", "fackligt", "faglig", "joined",
    ]

    /// Words that tie a sentence to a person: pronouns, possessives, family and role nouns.
    /// The English `I` (only in capitals) and `her` (only in a sentence with English function
    /// words, since Danish and Norwegian `her` means "here") are recognised separately.
    static let anchors: [String] = [
        // Danish
        "jeg", "mig", "min", "mit", "mine", "han", "hun", "ham", "hende", "hans", "hendes", "du", "dig", "din",
        "dit", "dine", "sin", "sit", "sine", "søn", "sønnen", "datter", "datteren", "manden", "kone", "konen",
        "hustru", "ægtefælle", "barnet", "mor", "bror", "søster", "kunden", "kundens", "patienten",
        "skadelidte", "medarbejderen", "forsikringstageren", "sikrede", "kollega", "kollegaen", "kæreste",
        "kæresten", "hr", "fru", "frk",
        // Swedish (shared forms listed once)
        "jag", "mitt", "mina", "hon", "honom", "henne", "hennes", "ditt", "dina", "sitt", "sina", "sonen", "dottern",
        "maken", "frun", "sambo", "sambon",
        // Norwegian
        "meg", "deg", "sønn", "mannen", "kona", "samboer", "pasienten",
        // English
        "me", "my", "myself", "he", "she", "him", "his", "hers", "herself", "himself", "you", "your",
        "yourself", "son", "daughter", "husband", "wife", "the customer", "client", "patient", "claimant",
        "policyholder", "mr", "mrs", "ms",
    ]

    /// Phrases that mark a sentence as abstract (policy, law, product, statistics,
    /// conditions) rather than a statement about a person. `word|next1,next2` means: not
    /// when the next word is one of the listed words ("oplysninger om, at du ..." is a fact).
    static let suppressors: [String] = [
        "oplysninger om|at", "opplysninger om|at", "uppgifter om|att", "information om|at,att",
        "information about", "information on", "data about", "data concerning", "data on", "personoplysninger",
        "personopplysninger", "personuppgifter", "personal data", "helbredsoplysninger", "helseopplysninger",
        "hälsouppgifter", "health data", "kategori", "kategorier", "kategorien", "kategorierne", "kategorierna",
        "kategoriene", "categories", "category", "such as", "herunder", "såsom", "slik som", "vi behandler",
        "behandler vi", "vi behandlar", "behandlar vi", "we process", "we may process", "we collect", "vi indsamler",
        "vi samler", "vi samlar", "vi innhenter", "vi registrerer", "vi registrerar", "processed", "processing",
        "behandles i", "behandles efter", "behandles fortroligt", "behandlas i", "behandlas enligt",
        "behandles konfidensielt", "gdpr", "databeskyttelsesforordningen", "databeskyttelsesloven",
        "dataskyddsförordningen", "personvernforordningen", "personopplysningsloven", "persondataloven",
        "art 9", "artikel 9", "article 9", "artikkel 9", "art 10", "artikel 10", "article 10", "artikkel 10",
        "privatlivspolitik", "persondatapolitik", "privacy", "integritetspolicy", "personvernerklæring",
        "personvernerklæringen", "hvis", "if|metall", "ifall", "dersom", "såfremt", "om du", "om ni", "whether",
        "in case", "unless", "medmindre", "dækker", "dækning", "dækkes", "covers", "covered", "coverage",
        "täcker", "täckning", "dekker", "dekning", "dekkes", "læs mere", "læse mere", "read more", "learn more",
        "läs mer", "les mer", "mere information", "more information", "mer information", "mer informasjon",
        "statistik", "statistics", "statistikk", "survey", "forskere", "forskare", "researchers",
    ]

    /// English function words; a sentence with one of them may use `her` as a pronoun.
    static let englishFunctionWords: Set<String> = [
        "the", "is", "was", "has", "have", "had", "with", "and", "of", "been", "from", "to", "for", "that", "since",
    ]

    /// Abbreviations after which a full stop does not end a sentence.
    static let abbreviations: Set<String> = [
        "eks", "art", "jf", "pga", "nr", "ca", "dvs", "mht", "etc", "ex", "osv", "mv", "fl", "stk", "kap", "pkt",
        "tlf", "ifm", "vedr", "evt", "dr", "hr", "mr", "mrs", "ms", "st", "bl", "inkl", "ekskl", "ang", "iflg",
        "resp", "fx", "vs", "no", "fig", "ref", "obs", "frk", "fru", "prof", "ang", "jvf", "mfl", "tex", "ff",
    ]
}
