import datetime
def dk_valid(d):
    dd,mm,yy,s7=int(d[0:2]),int(d[2:4]),int(d[4:6]),int(d[6])
    if s7<=3: c=1900
    elif s7 in (4,9): c=2000 if yy<=36 else 1900
    else: c=2000 if yy<=57 else 1800
    try: datetime.date(c+yy,mm,dd); return True
    except: return False
def dk_mod11(d): return sum(int(a)*w for a,w in zip(d,[4,3,2,7,6,5,4,3,2,1]))%11==0
def luhn(d):
    s=0
    for i,ch in enumerate(d):
        v=int(ch)*(2 if i%2==0 else 1); s+= v-9 if v>9 else v
    return s%10==0
def se_valid10(d, plus=False):
    yy,mm,dd=int(d[0:2]),int(d[2:4]),int(d[4:6])
    if dd>60: dd-=60
    if not 1<=mm<=12 or dd<1: return False
    leap = yy%4==0 and not (yy==0 and plus)
    days=[31,29 if leap else 28,31,30,31,30,31,31,30,31,30,31][mm-1]
    return dd<=days and luhn(d)
def no_valid(d):
    w1=[3,7,6,1,8,9,4,5,2]; w2=[5,4,3,2,7,6,5,4,3,2]
    def cd(ds,w):
        r=11-sum(int(a)*b for a,b in zip(ds,w))%11
        return 0 if r==11 else (None if r==10 else r)
    k1=cd(d[:9],w1)
    if k1 is None or k1!=int(d[9]): return False
    k2=cd(d[:10],w2)
    if k2 is None or k2!=int(d[10]): return False
    dd,mm,yy,ind=int(d[0:2]),int(d[2:4]),int(d[4:6]),int(d[6:9])
    if dd>40: dd-=40
    elif mm>40: mm-=40
    if ind<=499: c=1900
    elif 500<=ind<=749 and yy>=54: c=1800
    elif ind>=500 and yy<=39: c=2000
    elif ind>=900 and yy>=40: c=1900
    else: return False
    try: datetime.date(c+yy,mm,dd); return True
    except: return False
def dk_find(date6, first, want_mod11, n=1, avoid_se=True):
    out=[]
    for s in range(first*1000, first*1000+1000):
        d=date6+"%04d"%s
        if not dk_valid(d): continue
        if dk_mod11(d)!=want_mod11: continue
        if avoid_se and not want_mod11 and se_valid10(d): continue
        out.append(d)
        if len(out)>=n: break
    return out
def se_complete(d9, plus=False):
    for c in range(10):
        d=d9+str(c)
        if se_valid10(d, plus): return d
def no_complete(d9):
    w1=[3,7,6,1,8,9,4,5,2]; w2=[5,4,3,2,7,6,5,4,3,2]
    r=11-sum(int(a)*b for a,b in zip(d9,w1))%11
    k1=0 if r==11 else r
    if k1==10: return None
    d10=d9+str(k1)
    r=11-sum(int(a)*b for a,b in zip(d10,w2))%11
    k2=0 if r==11 else r
    if k2==10: return None
    d=d10+str(k2)
    return d if no_valid(d) else None
def no_find(date6, start):
    for i in range(start, start+500):
        d=no_complete(date6+"%03d"%i)
        if d: return d

# ---------------------------------------------------------------------------
# Fictitious identity numbers, computed so that check digits are right (or wrong on purpose).
def dk(date6, first, mod11): return dk_find(date6, first, mod11, 1)[0]
def h(d): return d[:6] + "-" + d[6:]

N = {
    "dk1": h(dk("150375", 1, True)), "dk2": h(dk("150375", 3, False)), "dk3": h(dk("230688", 2, True)),
    "dk4": dk("230688", 1, False), "dk5": h(dk("121212", 0, True)), "dk6": h(dk("010203", 4, True)),
    "dk7": h(dk("010203", 4, False)), "dk8": dk("311299", 2, True), "dk9": h(dk("050560", 3, False)),
    "dk10": h(dk("170870", 5, True)), "dk11": h(dk("280247", 9, False)), "dk12": h(dk("071180", 1, True)),
    "dk13": dk("140665", 2, True), "dk14": h(dk("300492", 3, False)), "dk15": h(dk("290200", 4, True)),
    "dk16": h(dk("010190", 1, True)), "dk4bare_nocue": dk("230688", 1, False),
    "se1": "850709-" + se_complete("850709123")[6:], "se2": "19" + se_complete("910101987"),
    "se3": "19780315-" + se_complete("780315456")[6:], "se4": "640229-" + se_complete("640229123")[6:],
    "se5": "850769-" + se_complete("850769123")[6:], "se6": "121212+" + se_complete("121212123", True)[6:],
    "se7": se_complete("921231555"), "se8": "400101-" + se_complete("400101234")[6:],
    "no1": no_find("010190", 100), "no2": no_find("150385", 400), "no3": no_find("241299", 250),
    "no4": no_find("010105", 500), "no5": no_find("450575", 100), "no6": no_find("154575", 100),
    "no7": no_find("290200", 500), "no8": no_find("311250", 900),
}
N["dk16bare"] = N["dk16"].replace("-", "")
N["se4tail"] = N["se4"][7:]
N["no2s"] = N["no2"][:6] + " " + N["no2"][6:]
N["dk3s"] = N["dk3"].replace("-", " ")
# Wrong on purpose.
N["dk_bad_day"] = "320190-1234"
N["dk_bad_leap"] = "290201-" + dk_find("290200", 4, False, 1)[0][6:]  # 1901 is no leap year
N["dk_bad_nov31"] = "311190-1234"
N["dk_bare_fail"] = dk("230688", 1, False)  # valid date, fails mod 11, no separator
N["se_bad_luhn"] = "850709-" + str((int(N["se1"][7:]) + 1) % 10000).zfill(4)
N["se_bad_1900leap"] = "000229+1235"
N["no_bad"] = N["no1"][:10] + str((int(N["no1"][10]) + 1) % 10)
N["no_bad2"] = "12345678901"
assert not dk_valid(N["dk_bad_day"].replace("-", "")) and not dk_valid(N["dk_bad_leap"].replace("-", ""))
assert not se_valid10(N["se_bad_luhn"].replace("-", "")) and not no_valid(N["no_bad"])
assert not dk_mod11(N["dk_bare_fail"]) and not se_valid10(N["dk_bare_fail"])
for key in ("se1", "se4", "se5", "se8"):
    assert not dk_valid(N[key].replace("-", "")), key
assert not se_valid10(N["dk_bad_leap"].replace("-", "")) and not se_valid10(N["dk_bad_nov31"].replace("-", ""))

CPR, SE, NO = "dk-cpr", "se-personnummer", "no-fodselsnummer"
HEALTH, UNION, CRIME, ETHN, REL, SEX, GEN, BIO = ("health", "trade-union", "criminal", "ethnicity", "religion",
                                                  "sexual-orientation", "genetic", "biometric")

# (text, language, expected kinds). Placeholders {name} are filled from N.
CASES = [
    # --- DK CPR, positives -------------------------------------------------------------------
    ("Hej Søren\n\nKundens CPR-nr. er {dk1}. Kan du oprette sagen?\n\nMvh Mette", "da", [CPR]),
    ("Vedr. skadesag: forsikringstager {dk2} har ringet igen.", "da", [CPR]),
    ("cpr.nr: {dk3} - bekræft venligst adressen.", "da", [CPR]),
    ("Personnummer {dk4} (uden bindestreg) er noteret i sagen.", "da", [CPR]),
    ("Navn: Jens Hansen\nFødselsdato og CPR: {dk5}\nAdresse: Testvej 1, 9999 Prøveby", "da", [CPR]),
    ("Barnets cpr er {dk6}, og moderens er {dk7}.", "da", [CPR]),
    ("CPR {dk8} skal opdateres i systemet.", "da", [CPR]),
    ("<p>Kære kunde,</p><p>Vi har registreret CPR-nummer {dk9} på policen.</p>", "da", [CPR]),
    ("Den afdøde ({dk10}) var født i 1870 ifølge kirkebogen.", "da", [CPR]),
    ("Forsikringstager: Ole Test, cpr-nr {dk11}, ønsker opsigelse.", "da", [CPR]),
    ("Jeg sender hermed mit CPR {dk12} som ønsket.", "da", [CPR]),
    ("CPR-nummer: {dk13}", "da", [CPR]),
    ("Ægtefællens personnr.: {dk14}", "da", [CPR]),
    ("Født 29. februar 2000, cpr {dk15}.", "da", [CPR]),
    ("Please update the policy holder's CPR number {dk16} in the system.", "en", [CPR]),
    ("Subject: Ny kunde\nKunden hedder Anna Test og har CPR {dk3s}.", "da", [CPR]),
    ("Skadelidte {dk1} er dækket af arbejdsskadeforsikringen.", "da", [CPR]),
    ("Oplys venligst {dk16} ved henvendelse.", "da", [CPR]),
    ("Her er listen: {dk1} {dk5}", "da", [CPR]),
    ("Kopi af sundhedskort med cpr-nummer {dk9} vedlagt.", "da", [CPR]),
    # --- DK hard negatives ---------------------------------------------------------------------
    ("Ring til os på +45 12 34 56 78 eller 20304050 mellem 8 og 16.", "da", []),
    ("Beløbet overføres til IBAN DK50 0040 0440 1162 43 senest fredag.", "da", []),
    ("Faktura nr. {dk4} forfalder den 01.02.2025.", "da", []),
    ("Ordrenummer: {dk1} - tak for din bestilling!", "da", []),
    ("Vores CVR-nr. er 12345678, og vores SE-nr. er 87654321.", "da", []),
    ("Reg.nr. 1234 kontonr. 0012345678", "da", []),
    ("Mødet er flyttet til 15.03.2025 kl. 10:30.", "da", []),
    ("Ugyldig dato i feltet: {dk_bad_day}", "da", []),
    ("Der står {dk_bad_leap} i formularen, men 2001 var ikke et skudår.", "da", []),
    ("Reference {dk_bad_nov31} kan ikke findes.", "da", []),
    ("Vi har modtaget betaling på 1.234.567,00 kr.", "da", []),
    ("Sendingen har nummer {dk_bare_fail} og ankommer i morgen.", "da", []),
    ("Skadenummer 2024-118-4471 er oprettet.", "da", []),
    ("Policenummer: {dk13}", "da", []),
    ("Kunde-id 99887766554 er slettet.", "da", []),
    ("Tlf. 0045 20304050 - mobil +4520304050", "da", []),
    ("Kontonummer 3409 0101901234 hos Danske Bank.", "da", []),
    ("Vi ses den 01-01-1990 til jubilæet.", "da", []),
    ("Serienummer SN0101901009X på routeren.", "da", []),
    ("Bilag 150375-1018-02 er vedlagt.", "da", []),
    ("Sagsnr {dk9}", "da", []),
    ("EAN 5701234567890 og varenr. 123456.", "da", []),
    ("Beløb: 150375,10 kr. overført.", "da", []),
    ("https://example.dk/sag/{dk1}/dokumenter", "da", []),
    ("<td>Ordre</td><td>{dk3}</td>", "da", []),
    # --- SE personnummer ------------------------------------------------------------------------
    ("Hej! Mitt personnummer är {se1}, kan ni kontrollera min försäkring?", "sv", [SE]),
    ("Personnummer: {se2}", "sv", [SE]),
    ("Kunden ({se3}) har anmält en skada.", "sv", [SE]),
    ("Född 29 februari 1964, personnr {se4}.", "sv", [SE]),
    ("Samordningsnummer {se5} gäller för den försäkrade.", "sv", [SE]),
    ("Försäkringstagaren är över hundra år: {se6}.", "sv", [SE]),
    ("Pnr {se7} ska läggas in i ärendet.", "sv", [SE]),
    ("Please find the Swedish personal identity number {se8} attached.", "en", [SE]),
    ("Min sambo har personnummer {se3} och jag har {se1}.", "sv", [SE]),
    ("<p>Personnummer: {se1}</p><p>Telefon: 070-123 45 67</p>", "sv", [SE]),
    # --- SE hard negatives -----------------------------------------------------------------------
    ("Organisationsnummer 556677-8899 står på fakturan.", "sv", []),
    ("Personnummer {se_bad_luhn} verkar vara felskrivet.", "sv", []),
    ("Ring oss på 08-123 456 78 eller 070-123 45 67.", "sv", []),
    ("Bankgiro 5050-1055 och plusgiro 123456-7.", "sv", []),
    ("Fakturanummer 19850709-1234 betalas senast 2025-03-31.", "sv", []),
    ("Födelsedatum {se_bad_1900leap} finns inte eftersom 1900 inte var skottår.", "sv", []),
    ("Ärendet har nummer 2025-000123 hos oss.", "sv", []),
    ("OCR-nummer 850709123200 ska anges vid betalning.", "sv", []),
    ("Vi har öppet 08.00-16.30 på vardagar.", "sv", []),
    ("Clearingnummer 8327-9 och kontonummer 123 456 789-0.", "sv", []),
    # --- NO fødselsnummer -------------------------------------------------------------------------
    ("Fødselsnummer: {no1}", "no", [NO]),
    ("Hei, mitt fødselsnummer er {no2s}. Kan dere sjekke saken?", "no", [NO]),
    ("Den forsikrede ({no3}) har meldt en skade.", "no", [NO]),
    ("Barnet er født i 2005, fnr. {no4}.", "no", [NO]),
    ("D-nummer {no5} er registrert på arbeidstakeren.", "no", [NO]),
    ("H-nummer {no6} ble brukt ved innleggelsen.", "no", [NO]),
    ("Født 29.02.2000 - personnummer {no7}.", "no", [NO]),
    ("Forsikringstaker {no8} ønsker å avslutte avtalen.", "no", [NO]),
    ("The Norwegian national identity number {no1} was found in the claim form.", "en", [NO]),
    ("<li>Fødselsnr: {no2}</li>", "no", [NO]),
    # --- NO hard negatives -------------------------------------------------------------------------
    ("Kontonummer 1234.56.78903 for utbetaling.", "no", []),
    ("Fødselsnummer {no_bad} er ugyldig, vennligst kontroller.", "no", []),
    ("Referanse {no_bad2} i saken.", "no", []),
    ("Organisasjonsnummer 923 609 016 MVA.", "no", []),
    ("Ring oss på +47 22 33 44 55 eller 915 55 555.", "no", []),
    ("KID-nummer 01019010046 brukes ved betaling.", "no", []),
    ("Ordrenummer 12312312312 er sendt.", "no", []),
    ("Saken ble registrert 01.01.1990 og avsluttet 31.12.1999.", "no", []),
    ("Kontonr 1503 85 40189", "no", []),
    ("Telefon 22 33 44 55 66 77", "no", []),
    # --- Health, positives ---------------------------------------------------------------------------
    ("Jeg har været sygemeldt med diskusprolaps siden marts.", "da", [HEALTH]),
    ("Min søn har fået konstateret diabetes, så vi må aflyse rejsen.", "da", [HEALTH]),
    ("Jeg er gravid og har termin i august, så jeg kan ikke deltage.", "da", [HEALTH]),
    ("Hej Anne. Kunden er indlagt med en blodprop og kan ikke underskrive.", "da", [HEALTH]),
    ("Min mand lider af depression og har brug for ro.", "da", [HEALTH]),
    ("Jag är sjukskriven på grund av utbrändhet och ångest sedan januari.", "sv", [HEALTH]),
    ("Hon har diagnostiserats med bröstcancer och opereras nästa vecka.", "sv", [HEALTH]),
    ("Jeg har vært sykemeldt i tre måneder etter hjernerystelsen.", "no", [HEALTH]),
    ("Sønnen min har astma og bruker medisin daglig.", "no", [HEALTH]),
    ("I was diagnosed with multiple sclerosis in 2019 and cannot work full time.", "en", [HEALTH]),
    ("My daughter has epilepsy, so please send the forms by post.", "en", [HEALTH]),
    ("Hej, jeg brækkede armen på skiferien og har fået et knoglebrud i håndleddet.", "da", [HEALTH]),
    ("<p>Kære Gjensidige</p><p>Min far er blevet diagnosticeret med Parkinsons sygdom.</p>", "da", [HEALTH]),
    ("Han har fået piskesmæld efter påkørslen og går til fysioterapeut.", "da", [HEALTH]),
    ("She has been on sick leave with stress since the accident.", "en", [HEALTH]),
    ("Jeg er i kemoterapi for lymfekræft og kan ikke møde op.", "da", [HEALTH]),
    ("Min kone aborterede i uge 12, så vi afbestiller rejsen.", "da", [HEALTH]),
    ("Patienten er kronisk syg og modtager insulin.", "da", [HEALTH]),
    # --- Health, hard negatives ------------------------------------------------------------------------
    ("Vi behandler helbredsoplysninger i overensstemmelse med databeskyttelsesforordningen.", "da", []),
    ("Special categories of personal data such as health data are processed according to GDPR art. 9.", "en", []),
    ("Hvis du bliver sygemeldt, kan du læse mere om dine rettigheder på vores hjemmeside.", "da", []),
    ("Din forsikring dækker behandling af kræft, diabetes og hjertesygdomme.", "da", []),
    ("Antallet af danskere med diabetes er steget med 20 procent, viser ny statistik.", "da", []),
    ("Vi kan indhente oplysninger om dit helbred fra din læge, hvis du giver samtykke.", "da", []),
    ("Vi behandlar uppgifter om hälsa när du anmäler en personskada.", "sv", []),
    ("Flere unge rammes af stress og angst, viser en ny undersøgelse fra Sundhedsstyrelsen.", "da", []),
    ("Sygeforsikringen giver adgang til behandling hos fysioterapeut og psykolog.", "da", []),
    ("Dersom du blir sykemeldt, må du gi beskjed til arbeidsgiver.", "no", []),
    ("If you have diabetes, you can still buy travel insurance with us.", "en", []),
    ("Kræftens Bekæmpelse holder indsamling søndag.", "da", []),
    ("Lægeerklæringer sendes til skadeafdelingen.", "da", []),
    ("Our health insurance covers treatment for cancer and heart disease.", "en", []),
    ("Kritisk sygdom-forsikringen udbetaler en sum ved diagnosen.", "da", []),
    ("Hospitalet i Herning har fået ny direktør.", "da", []),
    ("Mer information om sjukdomar finns på 1177.se.", "sv", []),
    ("Helseopplysninger behandles konfidensielt og i samsvar med personopplysningsloven.", "no", []),
    ("Personskade: se vores vilkår for méngrad og erstatning.", "da", []),
    # --- Trade union --------------------------------------------------------------------------------
    ("Han er medlem af 3F og vil have sin fagforening med til mødet.", "da", [UNION]),
    ("Jeg er medlem af HK, og de har rådgivet mig om sagen.", "da", [UNION]),
    ("Min fagforening har sagt, at jeg skal klage over afgørelsen.", "da", [UNION]),
    ("Jag är medlem i Unionen och facket hjälper mig med ärendet.", "sv", [UNION]),
    ("Hon är med i fackförbundet Kommunal sedan 2010.", "sv", [UNION]),
    ("Jeg er medlem av Fagforbundet og tillitsvalgt på arbeidsplassen.", "no", [UNION]),
    ("I am a member of Unite and my union representative will join the call.", "en", [UNION]),
    ("Min kone er tillidsrepræsentant i Dansk Metal.", "da", [UNION]),
    # --- Trade union, hard negatives ------------------------------------------------------------------
    ("Medlemmer af 3F får 10 procent rabat på indboforsikring.", "da", []),
    ("Vi behandler oplysninger om fagforeningsmæssigt tilhørsforhold, hvis det er nødvendigt.", "da", []),
    ("HK har indgået en ny overenskomst med arbejdsgiverne.", "da", []),
    ("Trade union membership is a special category under GDPR.", "en", []),
    ("Vision och Unionen förhandlar om nya avtal i vår.", "sv", []),
    # --- Criminal ---------------------------------------------------------------------------------------
    ("Hon är dömd för bedrägeri och får inte teckna försäkringen.", "sv", [CRIME]),
    ("Han blev dømt for vold i 2019 og afsoner stadig.", "da", [CRIME]),
    ("Min søn er sigtet for indbrud, hvad betyder det for vores indboforsikring?", "da", [CRIME]),
    ("Kunden har en plettet straffeattest, jf. vedlagte udskrift.", "da", [CRIME]),
    ("Han ble dømt til ubetinget fengsel for promillekjøring.", "no", [CRIME]),
    ("My husband was arrested last week and charged with fraud.", "en", [CRIME]),
    ("Jeg sad i fængsel fra 2015 til 2017.", "da", [CRIME]),
    ("He has a criminal record for drunk driving.", "en", [CRIME]),
    # --- Criminal, hard negatives --------------------------------------------------------------------------
    ("Vi behandler oplysninger om strafbare forhold, hvis det er nødvendigt for at behandle skaden.", "da", []),
    ("Jeg har anmeldt tyveriet af min cykel til politiet.", "da", []),
    ("Information about criminal convictions is processed under article 10.", "en", []),
    ("Gerningsmanden blev anholdt i nat, oplyser politiet.", "da", []),
    ("Mitt hus har haft inbrott och polisen har tagit en anmälan.", "sv", []),
    # --- Ethnicity -------------------------------------------------------------------------------------------
    ("Min mand er af somalisk herkomst og taler ikke dansk.", "da", [ETHN]),
    ("Han är rom och har upplevt diskriminering på grund av sin etniska bakgrund.", "sv", [ETHN]),
    ("Jeg er samisk og bor i Kautokeino.", "no", [ETHN]),
    ("She is of Pakistani descent and prefers Urdu.", "en", [ETHN]),
    ("Kunden er kurdisk og har brug for tolk til mødet.", "da", [ETHN]),
    ("Oplysninger om race eller etnisk oprindelse behandles ikke.", "da", []),
    ("Roma er Italiens hovedstad.", "da", []),
    # --- Religion --------------------------------------------------------------------------------------------
    ("Jeg er muslim og kan ikke deltage i mødet under ramadanen.", "da", [REL]),
    ("Min datter er jødisk og ønsker kosher mad på rejsen.", "da", [REL]),
    ("Han är katolik och vill att prästen besöker honom.", "sv", [REL]),
    ("Min mand er buddhist og ønsker en særlig ceremoni.", "da", [REL]),
    ("I am a Jehovah's Witness and cannot accept blood transfusions.", "en", [REL]),
    ("Christian Hansen fra Erhverv ringer dig op i morgen.", "da", []),
    ("Religiøs overbevisning er en særlig kategori af personoplysninger.", "da", []),
    # --- Sexual orientation ------------------------------------------------------------------------------------
    ("Jeg er homoseksuel og bor sammen med min mand.", "da", [SEX]),
    ("Min søster er lesbisk og gift med Maria.", "da", [SEX]),
    ("He is gay and lives with his partner in London.", "en", [SEX]),
    ("Jag är bisexuell och min partner ska stå som förmånstagare.", "sv", [SEX]),
    ("Hun fortalte mig, at hun er biseksuel.", "da", [SEX]),
    ("Seksuell orientering regnes som en særlig kategori personopplysninger.", "no", []),
    ("Gay Hansen er ny i kundeservice.", "da", []),
    # --- Genetic -------------------------------------------------------------------------------------------------
    ("Min mor har BRCA1-genmutationen, og jeg er selv testet positiv.", "da", [GEN]),
    ("Jeg har fået lavet en gentest, der viser arvelig hjertesygdom.", "da", [GEN, HEALTH]),
    ("His DNA test showed a hereditary form of Huntington's disease.", "en", [GEN, HEALTH]),
    ("Min datter har fået foretaget en genetisk undersøgelse for arvelige sygdomme.", "da", [GEN, HEALTH]),
    ("Genetiske data er følsomme personoplysninger efter GDPR.", "da", []),
    # --- Biometric ------------------------------------------------------------------------------------------------
    ("Mine fingeraftryk blev taget ved grænsen, og jeg vil have dem slettet.", "da", [BIO]),
    ("Jag använder ansiktsigenkänning i min telefon och den blev stulen.", "sv", [BIO]),
    ("His fingerprints were scanned at the border control.", "en", [BIO]),
    ("Jag har lämnat fingeravtryck till Migrationsverket.", "sv", [BIO]),
    ("Biometriske data til entydig identifikation er omfattet af artikel 9.", "da", []),
    # --- Mixed and long texts ---------------------------------------------------------------------------------------
    ("Hej Åse\n\nJeg har været sygemeldt med stress. Mit CPR-nr. er {dk12}.\n\nVenlig hilsen\nKaren", "da", [CPR, HEALTH]),
    ("Kära Björn, min personnummer är {se1} och jag är medlem i IF Metall.", "sv", [SE, UNION]),
    ("Privatlivspolitik\n\nVi behandler følgende kategorier af personoplysninger: navn, adresse, CPR-nummer, "
     "helbredsoplysninger, fagforeningsmæssigt tilhørsforhold og oplysninger om strafbare forhold. "
     "Oplysningerne behandles i henhold til databeskyttelsesforordningens artikel 6, 9 og 10.", "da", []),
    ("Privacy notice: We process special categories of personal data, such as data concerning health, racial or "
     "ethnic origin, religious beliefs, trade union membership, genetic and biometric data and sex life or sexual "
     "orientation, only where GDPR article 9 allows it.", "en", []),
    ("Integritetspolicy: Vi behandlar känsliga personuppgifter som hälsa, etniskt ursprung och fackmedlemskap "
     "endast när lagen tillåter det.", "sv", []),
    ("Personvernerklæring: Vi behandler helseopplysninger, opplysninger om straffbare forhold og "
     "fagforeningsmedlemskap bare når det er nødvendig.", "no", []),
    ("Nyhedsbrev: Fem gode råd til at undgå stress på jobbet. Læs mere på vores hjemmeside.", "da", []),
    ("Tak for din henvendelse. Vi vender tilbage inden for fem hverdage.\n\nMed venlig hilsen\nKundeservice\n"
     "Tlf. 70 10 20 30", "da", []),
    ("Mødereferat: Budget 2025 er godkendt. Næste møde 12.06.2025 kl. 9.00 i lokale 3.", "da", []),
    ("<html><body><h1>Tilbud</h1><p>Spar 20% på rejseforsikring. Ring 70 10 20 30.</p></body></html>", "da", []),
    ("Order 4711 shipped on 2025-01-15, tracking 1Z999AA10123456784.", "en", []),
    ("Dear customer, your invoice 2025-0042 of EUR 1,234.56 is due on 31.03.2025.", "en", []),
    ("Hej! Vi har nu udbetalt erstatningen for din cykel. God weekend.", "da", []),
    ("Tack för ditt mejl. Vi återkommer så snart vi kan.", "sv", []),
    ("Takk for henvendelsen. Vi kommer tilbake til deg innen fem virkedager.", "no", []),
    ("The annual report shows that 12% of employees were on sick leave, according to statistics from HR.", "en", []),
    ("Sundhedsstyrelsen anbefaler, at gravide undgår alkohol.", "da", []),
    # --- Held out: written after the detectors were built, and not used to tune them --------------
    ("Du kan altid kontakte os på telefon 70 10 20 30, hvis du har spørgsmål til din sygeforsikring.", "da", []),
    ("Vi har modtaget din skadeanmeldelse vedrørende vandskade i kælderen.", "da", []),
    ("Husk at medbringe pas og sygesikringsbevis på rejsen.", "da", []),
    ("Artiklen handler om, hvordan kræftpatienter oplever ventetider.", "da", []),
    ("Your policy number is 4455667788 and your renewal date is 01.06.2025.", "en", []),
    ("Mit telefonnummer er 2030 4050 og min e-mail er test@example.dk.", "da", []),
    ("Vi har sendt et brev til din e-Boks den 12.03.2025.", "da", []),
    ("Afdelingen for Personskade holder lukket fredag.", "da", []),
    ("Jeg er glad for hurtig behandling af min sag!", "da", []),
    ("Min bil blev skadet ved et færdselsuheld i går.", "da", []),
    ("Jeg vil gerne melde min søn ind i fodboldklubben.", "da", []),
    ("Hun er medlem af bestyrelsen i den lokale golfklub.", "da", []),
    ("Han er syg af grin over jeres nye reklame.", "da", []),
    ("Jeg er træt af at vente på svar.", "da", []),
    ("Tak for i dag. Vi ses på torsdag til kurset i førstehjælp.", "da", []),
    ("The police report number is 2024/118733.", "en", []),
    ("Vores medarbejdere er organiseret i HK og Dansk Metal.", "da", []),
    ("Vi tilbyder gratis psykologhjælp til alle kunder med en sundhedsforsikring.", "da", []),
    ("Han har købt en ny cykel og ønsker den tilføjet til indboforsikringen.", "da", []),
    ("Hun arbejder som sygeplejerske på Rigshospitalet.", "da", []),
    ("Jag jobbar som polis i Malmö.", "sv", []),
    ("Jeg skal til Rom i påsken og vil gerne købe en rejseforsikring.", "da", []),
    ("Min nabo har ødelagt mit hegn, og jeg overvejer at anmelde ham til politiet.", "da", []),
    ("Vi har opdateret vores privatlivspolitik, så den beskriver, hvordan vi håndterer oplysninger om din sundhed.", "da", []),
    ("Kurset i krisepsykologi afholdes 4. april.", "da", []),
    ("Jeg er vegetar.", "da", []),
    ("Jeg har fået ny telefon, så mit fingeraftryk skal registreres igen til MitID-appen.", "da", [BIO]),
    ("Min mand fik en blodprop i hjertet i sidste uge og er stadig indlagt.", "da", [HEALTH]),
    ("Jeg har ligget på hospitalet med lungebetændelse i to uger.", "da", [HEALTH]),
    ("Jag har diabetes typ 1 och behöver ta med insulin på resan.", "sv", [HEALTH]),
    ("Kona mi er innlagt på sykehus etter et hjerteinfarkt.", "no", [HEALTH]),
    ("My son broke his leg skiing and had surgery on Monday.", "en", [HEALTH]),
    ("Hun har været dømt for spirituskørsel to gange.", "da", [CRIME]),
    ("Jeg er medlem af Krifa.", "da", [UNION]),
    ("Han är medlem i Byggnads och vill ha hjälp med sin skadeanmälan.", "sv", [UNION]),
    ("CPR: {dk16bare}", "da", [CPR]),
    ("Personnummer 19640229-{se4tail} tillhör min mamma.", "sv", [SE]),
    ("Sender fødselsnummeret til sønnen min: {no4}", "no", [NO]),
    ("Jeg lider af migræne og tinnitus efter ulykken.", "da", [HEALTH]),
    ("Min kæreste er muslim, og vi skal giftes i moskeen.", "da", [REL]),
]

def main():
    import json, os
    out = []
    for text, language, kinds in CASES:
        out.append({"text": text.format(**N), "language": language, "expected": kinds})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dlp-labelled.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    negatives = sum(1 for c in out if not c["expected"])
    print(f"{len(out)} texts, {negatives} without findings")

if __name__ == "__main__":
    main()
