"""The demo site's words: an invented phone brand (Lumio), its Italian news site, three authors and
the articles they wrote. Plain data only; `edicola.news.demo.seed` turns it into pages.

Every text here is original and fictional: the brand, the people, the prices and the quotes.
Body entries use the block names of `edicola.news.blocks`; an image names a `Picture` to draw, an
embed points at a made-up video, and a related-articles block names other demo articles by slug
(only articles listed earlier, so they exist by the time it is built).
"""

from dataclasses import dataclass, field

from .images import Picture

SITE_NAME = "Lumio Italia"
TAGLINE = "Notizie, prove e offerte sugli smartphone Lumio"
WHATSAPP_URL = "https://whatsapp.com/channel/EdicolaDemo"
TELEGRAM_URL = "https://t.me/edicola_demo"

REFERENCE_ARTICLE_SLUG = "lumio-x3-prezzo-italia"

BLUE, NIGHT, TEAL = (34, 64, 140), (24, 28, 48), (18, 112, 118)
ORANGE, RED, GOLD = (214, 96, 52), (170, 40, 32), (224, 170, 60)
VIOLET, GREEN, GREY = (92, 54, 150), (40, 130, 80), (96, 104, 120)


@dataclass(frozen=True)
class Category:
    slug: str
    title: str
    intro: str


@dataclass(frozen=True)
class Author:
    slug: str
    name: str
    role: str
    bio: str
    initials: str
    colors: tuple[tuple[int, int, int], tuple[int, int, int]]
    links: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Article:
    slug: str
    category: str
    title: str
    standfirst: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    hours_ago: float
    hero: Picture
    body: tuple[tuple[str, object], ...]
    hero_caption: str = ""
    updated_hours_ago: float | None = None


CATEGORIES = (
    Category(
        "smartphone",
        "Smartphone",
        "Lanci, prove e aggiornamenti dei telefoni Lumio, raccontati da chi li usa ogni giorno.",
    ),
    Category(
        "mercato",
        "Mercato",
        "Vendite, negozi, prezzi e strategie: come si muove Lumio in Italia e in Europa.",
    ),
    Category(
        "promozioni",
        "Promozioni",
        "Sconti verificati su telefoni e accessori Lumio, con prezzi e scadenze chiari.",
    ),
)

AUTHORS = (
    Author(
        slug="chiara-benedetti",
        name="Chiara Benedetti",
        role="Caporedattrice",
        bio=(
            "Coordino la redazione di Lumio Italia. Seguo il mondo degli smartphone da quando "
            "i telefoni avevano la tastiera fisica, e cerco sempre di spiegare cosa cambia "
            "davvero per chi li compra."
        ),
        initials="CB",
        colors=(RED, VIOLET),
        links={
            "website_url": "https://example.org/chiara-benedetti",
            "x_url": "https://example.org/x/chiarabenedetti",
        },
    ),
    Author(
        slug="luca-marchetti",
        name="Luca Marchetti",
        role="Prove e recensioni",
        bio=(
            "Provo i telefoni per settimane prima di scriverne: fotocamere, batterie, "
            "aggiornamenti. Ho studiato ingegneria elettronica a Bologna e non ho ancora "
            "smesso di smontare le cose per capire come funzionano."
        ),
        initials="LM",
        colors=(TEAL, BLUE),
        links={
            "instagram_url": "https://example.org/instagram/lucamarchetti",
            "linkedin_url": "https://example.org/linkedin/luca-marchetti",
        },
    ),
    Author(
        slug="sara-colombo",
        name="Sara Colombo",
        role="Mercato e offerte",
        bio=(
            "Mi occupo di prezzi, vendite e promozioni. Confronto i listini ogni mattina e "
            "segnalo solo le offerte che comprerei anch'io, spiegando sempre dove sta il "
            "risparmio reale."
        ),
        initials="SC",
        colors=(GOLD, ORANGE),
        links={
            "website_url": "https://example.org/sara-colombo",
            "x_url": "https://example.org/x/saracolombo",
        },
    ),
)


def p(text: str) -> tuple[str, str]:
    """A paragraph of body text."""
    return ("paragraph", text)


ARTICLES = (
    # The article shaped like the reference page: paragraphs, an executive's quote, an image
    # with a one-word caption, a capitalised H2, more paragraphs, a second image, a closing line.
    Article(
        slug=REFERENCE_ARTICLE_SLUG,
        category="smartphone",
        title="Lumio X3 arriva in Italia, il prezzo «sorprenderà anche i più scettici»",
        standfirst=(
            "Il nuovo modello di punta di Lumio sarà nei negozi italiani dalla prossima "
            "settimana. L'azienda promette un listino più basso del previsto."
        ),
        authors=("chiara-benedetti",),
        tags=("Lumio X3", "Lancio", "Prezzi"),
        hours_ago=3,
        updated_hours_ago=1,
        hero=Picture(
            "phone",
            "Lumio X3",
            BLUE,
            ORANGE,
            "Illustrazione di uno smartphone Lumio X3 visto di fronte su sfondo blu e arancione",
        ),
        hero_caption="Il Lumio X3 sarà venduto in tre colori.",
        body=(
            p(
                "Dopo settimane di indiscrezioni, Lumio ha confermato la data di arrivo in "
                "Italia del suo nuovo modello di punta. Il Lumio X3 sarà disponibile online e "
                "nei negozi di elettronica a partire da lunedì prossimo, in tre colori e due "
                "tagli di memoria."
            ),
            p(
                "La presentazione si è svolta ieri sera a Milano davanti a rivenditori, "
                "operatori telefonici e stampa. Sul palco l'azienda ha mostrato il nuovo "
                "schermo da 6,4 pollici, più luminoso del modello precedente, e un sensore "
                "fotografico principale che, secondo i tecnici, raccoglie il 40 per cento di "
                "luce in più."
            ),
            p(
                "Il punto su cui Lumio ha insistito di più, però, è stato il prezzo. Nessuna "
                "cifra è stata mostrata fino alla fine della serata, quando il responsabile "
                "europeo del marchio ha preso la parola."
            ),
            (
                "quote",
                {
                    "quote": (
                        "Abbiamo scelto di rinunciare a una parte del margine per portare il "
                        "Lumio X3 al maggior numero possibile di persone. Il prezzo italiano "
                        "sorprenderà anche i più scettici, e resterà lo stesso per tutto l'anno."
                    ),
                    "attribution": "Daniel Okafor, vicepresidente di Lumio per l'Europa",
                },
            ),
            (
                "image",
                {
                    "picture": Picture(
                        "back",
                        "X3",
                        NIGHT,
                        TEAL,
                        "Il retro del Lumio X3 con il modulo a tre fotocamere",
                    ),
                    "alt": "Fotocamera",
                    "caption": "Fotocamera",
                    "credit": "Lumio",
                },
            ),
            ("heading", {"text": "QUANTO COSTA E QUANDO ARRIVA", "level": "h2"}),
            p(
                "La versione con 128 GB di memoria costerà 549 euro, quella da 256 GB 629 euro. "
                "Si tratta di 70 euro in meno rispetto al listino con cui il Lumio X2 era "
                "arrivato nei negozi lo scorso anno, a parità di memoria."
            ),
            (
                "feedback",
                {
                    "passage": (
                        "Lumio promette che il listino resterà invariato fino a dicembre, "
                        "senza i ribassi a sorpresa che di solito arrivano dopo pochi mesi."
                    ),
                    "question": "Aspettereste comunque un calo di prezzo prima di comprarlo?",
                    "question_id": "prezzo-bloccato",
                },
            ),
            p(
                "I preordini si aprono oggi sul sito di Lumio e presso le principali catene. Chi "
                "prenota entro domenica riceverà in omaggio le cuffie Lumio Buds, mentre le "
                "consegne partiranno dal giorno del debutto nei negozi."
            ),
            p(
                "Le tre colorazioni si chiamano Notte, Nebbia e Terracotta. Quest'ultima, "
                "secondo l'azienda, è stata pensata proprio per il mercato italiano e sarà "
                "disponibile solo nella versione da 256 GB."
            ),
            (
                "image",
                {
                    "picture": Picture(
                        "phones",
                        "Colori",
                        GREY,
                        ORANGE,
                        "Tre Lumio X3 affiancati nei colori Notte, Nebbia e Terracotta",
                    ),
                    "alt": "Colori",
                    "caption": "Colori",
                    "credit": "Lumio",
                },
            ),
            p(
                "Resta da capire come risponderanno i concorrenti, che nella stessa fascia di "
                "prezzo propongono modelli già affermati. Proveremo il Lumio X3 nei prossimi "
                "giorni e pubblicheremo la nostra recensione completa."
            ),
        ),
    ),
    Article(
        slug="lumio-x3-buds-in-regalo-preordine",
        category="promozioni",
        title="Lumio X3 in preordine: le cuffie Lumio Buds sono in regalo fino a domenica",
        standfirst=(
            "Chi prenota il nuovo Lumio X3 entro domenica riceve gratis le cuffie senza fili "
            "del marchio. Ecco come funziona la promozione e dove conviene ordinare."
        ),
        authors=("sara-colombo",),
        tags=("Offerte", "Lumio X3", "Lumio Buds"),
        hours_ago=5,
        hero=Picture(
            "buds",
            "In regalo",
            VIOLET,
            GOLD,
            "Illustrazione delle cuffie Lumio Buds bianche con la loro custodia",
        ),
        body=(
            p(
                "La promozione di lancio del Lumio X3 è semplice: chi effettua il preordine "
                "entro le 23:59 di domenica riceve insieme al telefono un paio di cuffie Lumio "
                "Buds, che da sole costano 89 euro."
            ),
            p(
                "L'omaggio vale per entrambe le versioni di memoria e per tutti i colori. Le "
                "cuffie vengono spedite nella stessa confezione del telefono, quindi non serve "
                "richiederle a parte né compilare moduli dopo l'acquisto."
            ),
            p(
                "Abbiamo controllato i negozi che aderiscono: oltre al sito di Lumio ci sono le "
                "principali catene di elettronica e i negozi degli operatori. Alcuni "
                "rivenditori aggiungono un buono sconto per acquisti successivi, che però ha "
                "scadenze brevi."
            ),
            p(
                "Un consiglio pratico: se pensate di pagare a rate, verificate che il "
                "finanziamento non abbia spese di istruttoria. In alcuni casi annullano buona "
                "parte del vantaggio dell'omaggio."
            ),
        ),
    ),
    Article(
        slug="lumio-quarto-marchio-italia",
        category="mercato",
        title="Lumio sale al quarto posto tra i marchi di smartphone più venduti in Italia",
        standfirst=(
            "Nell'ultimo trimestre il marchio ha superato due concorrenti storici. A spingere "
            "le vendite sono soprattutto i modelli sotto i 300 euro."
        ),
        authors=("sara-colombo",),
        tags=("Mercato italiano", "Vendite"),
        hours_ago=9,
        hero=Picture(
            "chart",
            "Vendite",
            TEAL,
            GREEN,
            "Grafico a barre stilizzato con vendite in crescita",
        ),
        body=(
            p(
                "Secondo le stime diffuse da un osservatorio indipendente di settore, Lumio ha "
                "chiuso l'ultimo trimestre con una quota del 9 per cento degli smartphone "
                "venduti in Italia, contro il 6 per cento dello stesso periodo dell'anno "
                "scorso."
            ),
            p(
                "È il risultato migliore da quando il marchio è arrivato nel nostro Paese. Il "
                "salto è dovuto in gran parte al Lumio A5, che da solo vale più di metà delle "
                "unità vendute."
            ),
            p(
                "Cresce anche il peso dei canali online, che per Lumio rappresentano ormai "
                "quattro vendite su dieci. I negozi fisici restano però decisivi per i modelli "
                "più costosi, che i clienti preferiscono provare prima di comprare."
            ),
            p(
                "Il mercato nel suo complesso resta fermo: il numero totale di telefoni venduti "
                "è quasi identico a un anno fa. La crescita di Lumio avviene quindi a spese di "
                "altri marchi, in particolare nella fascia media."
            ),
            p(
                "L'arrivo del Lumio X3 sarà il banco di prova per capire se il marchio può "
                "crescere anche sopra i 500 euro, dove finora è rimasto marginale."
            ),
            (
                "related",
                {
                    "title": "Leggi anche",
                    "slugs": (REFERENCE_ARTICLE_SLUG, "lumio-x3-buds-in-regalo-preordine"),
                },
            ),
        ),
    ),
    Article(
        slug="lumio-x3-pro-prova-fotocamera",
        category="smartphone",
        title="Lumio X3 Pro, la prova della fotocamera: di notte convince, lo zoom meno",
        standfirst=(
            "Abbiamo scattato per una settimana con il modello più costoso della nuova "
            "gamma. Il sensore principale è il migliore mai visto su un Lumio."
        ),
        authors=("luca-marchetti",),
        tags=("Lumio X3", "Fotocamera", "Recensioni"),
        hours_ago=20,
        hero=Picture(
            "back",
            "X3 Pro",
            NIGHT,
            BLUE,
            "Illustrazione del retro di un Lumio X3 Pro con tre obiettivi su sfondo notturno",
        ),
        hero_caption="Il modulo fotografico del Lumio X3 Pro.",
        body=(
            p(
                "Il Lumio X3 Pro ha tre fotocamere posteriori: una principale da 50 megapixel, "
                "un grandangolo e un teleobiettivo con zoom ottico a tre ingrandimenti. Le "
                "abbiamo usate in città, in montagna e, soprattutto, di sera."
            ),
            p(
                "Con poca luce il sensore principale fa un lavoro notevole. Le foto notturne "
                "mantengono colori credibili e il rumore resta contenuto anche senza attivare "
                "la modalità dedicata, che allunga i tempi di scatto."
            ),
            p(
                "Il teleobiettivo è invece il punto debole. Di giorno i dettagli sono buoni, "
                "ma appena la luce cala il telefono passa al sensore principale ritagliando "
                "l'immagine, e la differenza si vede."
            ),
            (
                "embed",
                {
                    "url": "https://www.youtube.com/watch?v=Lum1oX3Pr0v",
                    "title": "Lumio X3 Pro: la nostra prova della fotocamera in video",
                    "caption": "Scatti e video notturni girati a Torino.",
                },
            ),
            ("heading", {"text": "I video", "level": "h2"}),
            p(
                "In video si arriva al 4K a 60 fotogrammi al secondo con tutte le fotocamere. "
                "La stabilizzazione è efficace camminando, meno in auto, dove compaiono piccole "
                "oscillazioni."
            ),
            p(
                "Nel complesso è la miglior fotocamera mai montata su un Lumio, e se la gioca "
                "con modelli che costano parecchio di più. Chi usa spesso lo zoom, però, "
                "dovrebbe guardarsi intorno."
            ),
            ("related", {"title": "Leggi anche", "slugs": (REFERENCE_ARTICLE_SLUG,)}),
        ),
    ),
    Article(
        slug="lumio-a5-minimo-storico",
        category="promozioni",
        title="Lumio A5 scende a 169 euro: è il prezzo più basso di sempre",
        standfirst=(
            "Il telefono più venduto del marchio costa 80 euro meno del listino. Lo sconto "
            "vale per la versione con 128 GB di memoria."
        ),
        authors=("sara-colombo",),
        tags=("Offerte", "Lumio A5", "Prezzi"),
        hours_ago=22,
        hero=Picture(
            "tag",
            "Lumio A5",
            RED,
            GOLD,
            "Etichetta di prezzo stilizzata con uno sconto del trenta per cento",
        ),
        body=(
            p(
                "Da questa mattina il Lumio A5 con 128 GB di memoria si trova a 169 euro presso "
                "diversi rivenditori online. Il prezzo di listino è di 249 euro e finora il "
                "telefono non era mai sceso sotto i 189."
            ),
            p(
                "Lo sconto riguarda i colori nero e verde salvia; la versione blu resta a prezzo "
                "pieno. Le scorte indicate dai negozi non sono elevate, quindi è probabile che "
                "l'offerta duri pochi giorni."
            ),
            p(
                "A questo prezzo il Lumio A5 è difficile da battere per chi cerca un telefono "
                "con una batteria molto generosa e non ha esigenze fotografiche particolari. "
                "Nella nostra prova è arrivato a due giorni di utilizzo."
            ),
        ),
    ),
    Article(
        slug="lumio-negozio-milano",
        category="mercato",
        title="Lumio apre il primo negozio monomarca italiano a Milano",
        standfirst=(
            "Quattrocento metri quadrati a due passi dal Duomo, con un banco assistenza e un "
            "laboratorio per le riparazioni in giornata."
        ),
        authors=("chiara-benedetti",),
        tags=("Mercato italiano", "Negozi"),
        hours_ago=36,
        hero=Picture(
            "store",
            "Milano",
            BLUE,
            TEAL,
            "Illustrazione della vetrina di un negozio con la tenda a righe",
        ),
        body=(
            p(
                "Lumio ha scelto Milano per il suo primo negozio monomarca in Italia. Lo spazio "
                "aprirà al pubblico sabato mattina e sarà organizzato su due piani: in basso i "
                "prodotti, in alto assistenza e corsi."
            ),
            p(
                "Il laboratorio promette la sostituzione di schermi e batterie in giornata per "
                "tutti i modelli degli ultimi tre anni. È una novità importante, perché finora "
                "le riparazioni passavano da centri esterni con tempi di due o tre settimane."
            ),
            (
                "quote",
                {
                    "quote": (
                        "Vogliamo che chi compra un Lumio sappia dove andare quando qualcosa "
                        "non funziona. Il negozio serve prima di tutto a questo."
                    ),
                    "attribution": "Elena Sartori, direttrice commerciale di Lumio Italia",
                },
            ),
            p(
                "L'azienda non esclude altre aperture: Roma e Napoli sono le città indicate come "
                "prossime candidate, ma non ci sono ancora date."
            ),
        ),
    ),
    Article(
        slug="lumioos-6-novita-modelli-compatibili",
        category="smartphone",
        title="LumioOS 6: tutte le novità dell'aggiornamento e i modelli che lo riceveranno",
        standfirst=(
            "Il nuovo sistema porta una schermata di blocco personalizzabile, più controlli "
            "sulla privacy e, promette Lumio, batterie che durano di più."
        ),
        authors=("luca-marchetti",),
        tags=("LumioOS", "Aggiornamenti"),
        hours_ago=50,
        updated_hours_ago=26,
        hero=Picture(
            "phone",
            "LumioOS 6",
            VIOLET,
            BLUE,
            "Illustrazione di uno smartphone con la nuova schermata di LumioOS 6",
        ),
        body=(
            p(
                "LumioOS 6 inizia a essere distribuito questa settimana. Come sempre "
                "l'aggiornamento arriva a scaglioni: prima i modelli più recenti, poi, nel "
                "giro di un mese, il resto della gamma."
            ),
            p(
                "La novità più visibile è la schermata di blocco, che ora si può comporre "
                "scegliendo orologio, widget e sfondo. Più utile, a nostro avviso, il nuovo "
                "pannello della privacy, che mostra quali app hanno usato posizione, microfono "
                "e fotocamera negli ultimi sette giorni."
            ),
            ("heading", {"text": "I modelli compatibili", "level": "h2"}),
            p(
                "Riceveranno LumioOS 6 il Lumio X3 e X3 Pro, il Lumio X2, il Note 2 e la serie "
                "A a partire dall'A4. Restano esclusi i modelli usciti più di quattro anni fa."
            ),
            (
                "embed",
                {
                    "url": "https://www.youtube.com/watch?v=LumioOS6dem",
                    "title": "LumioOS 6 in cinque minuti",
                    "caption": "Le novità principali mostrate sul Lumio X3.",
                },
            ),
            p(
                "Aggiornamento: Lumio ha confermato che anche il Lumio A3 riceverà la nuova "
                "versione, ma senza la schermata di blocco personalizzabile."
            ),
        ),
    ),
    Article(
        slug="accessori-lumio-sconto-settimana",
        category="promozioni",
        title="Cover, caricabatterie e cavi Lumio: gli accessori in sconto questa settimana",
        standfirst=(
            "Una selezione di accessori originali con sconti tra il 20 e il 40 per cento. Li "
            "abbiamo scelti tra quelli compatibili con più modelli."
        ),
        authors=("sara-colombo",),
        tags=("Offerte", "Accessori"),
        hours_ago=74,
        hero=Picture(
            "tag",
            "Accessori",
            GREEN,
            TEAL,
            "Etichetta di prezzo stilizzata per gli sconti sugli accessori",
        ),
        body=(
            p(
                "Il caricabatterie rapido Lumio da 45 watt scende a 24 euro, contro i 39 del "
                "listino. Funziona con tutti i telefoni Lumio degli ultimi tre anni e con la "
                "maggior parte dei portatili che si ricaricano via USB-C."
            ),
            p(
                "Le cover ufficiali in silicone del Lumio X2 costano 15 euro invece di 25. "
                "Attenzione: non sono compatibili con il nuovo X3, che ha un modulo fotografico "
                "più grande."
            ),
            p(
                "Infine il cavo intrecciato da due metri, che consigliamo a chi ricarica il "
                "telefono lontano dalla presa, è a 9,90 euro. Tutti i prezzi sono stati "
                "verificati questa mattina e possono cambiare."
            ),
        ),
    ),
    Article(
        slug="lumio-a5-prova-batteria",
        category="smartphone",
        title="Lumio A5 alla prova: due giorni di batteria per meno di 250 euro",
        standfirst=(
            "Il modello più economico della gamma non ha nulla di appariscente, ma fa bene "
            "le cose che contano. La nostra recensione dopo tre settimane."
        ),
        authors=("luca-marchetti",),
        tags=("Lumio A5", "Recensioni", "Batteria"),
        hours_ago=98,
        hero=Picture(
            "phone",
            "Lumio A5",
            GREEN,
            GOLD,
            "Illustrazione di uno smartphone Lumio A5 su sfondo verde e giallo",
        ),
        body=(
            p(
                "Il Lumio A5 è un telefono che non cerca di stupire. Scocca in plastica opaca, "
                "schermo da 6,6 pollici, una fotocamera principale onesta e una batteria da "
                "5.500 mAh che è la vera ragione per sceglierlo."
            ),
            p(
                "Con un uso normale, fatto di messaggi, navigazione, musica e qualche foto, "
                "siamo arrivati regolarmente a sera del secondo giorno con ancora il 15 per "
                "cento di carica. La ricarica completa richiede poco più di un'ora."
            ),
            p(
                "Lo schermo è luminoso a sufficienza anche all'aperto, mentre le prestazioni "
                "sono adeguate alle app di tutti i giorni. Con i giochi più pesanti bisogna "
                "abbassare i dettagli."
            ),
            p(
                "Le foto di giorno sono gradevoli, di notte perdono molti dettagli. È il "
                "compromesso che ci si aspetta in questa fascia di prezzo."
            ),
            p(
                "Se cercate un telefono da dare a un familiare, o un secondo telefono per il "
                "lavoro, il Lumio A5 è oggi una delle scelte più sensate."
            ),
        ),
    ),
    Article(
        slug="componenti-piu-cari-listini-lumio",
        category="mercato",
        title="Componenti più cari, Lumio: «Per ora i listini restano fermi»",
        standfirst=(
            "Memorie e schermi costano di più rispetto a sei mesi fa. L'azienda assicura che "
            "i prezzi in Italia non cambieranno prima dell'estate."
        ),
        authors=("sara-colombo",),
        tags=("Prezzi", "Componenti", "Mercato italiano"),
        hours_ago=122,
        updated_hours_ago=100,
        hero=Picture(
            "chart",
            "Costi",
            GREY,
            RED,
            "Grafico a barre stilizzato che mostra costi in aumento",
        ),
        body=(
            p(
                "Il prezzo delle memorie per smartphone è salito di circa un quinto negli "
                "ultimi sei mesi, e anche gli schermi più luminosi costano di più. Diversi "
                "produttori hanno già ritoccato i listini."
            ),
            p(
                "Lumio, per ora, non lo farà. In una nota inviata ai rivenditori l'azienda "
                "spiega di aver acquistato in anticipo buona parte dei componenti necessari "
                "per i prossimi mesi."
            ),
            (
                "quote",
                {
                    "quote": (
                        "I prezzi che i clienti vedono oggi sono quelli che vedranno fino "
                        "all'estate. Dopo, valuteremo modello per modello."
                    ),
                    "attribution": "Elena Sartori, direttrice commerciale di Lumio Italia",
                },
            ),
            p(
                "Gli analisti che abbiamo sentito ritengono probabile un aumento sui modelli "
                "della prossima generazione, più che su quelli già in vendita."
            ),
            p(
                "Aggiornamento: un portavoce ha precisato che l'impegno vale anche per gli "
                "accessori originali venduti sul sito di Lumio."
            ),
        ),
    ),
    Article(
        slug="permuta-usato-sconto-lumio",
        category="promozioni",
        title="Permuta dell'usato: fino a 250 euro di sconto su un nuovo Lumio",
        standfirst=(
            "Il programma di permuta accetta telefoni di qualsiasi marca. Abbiamo provato a "
            "capire quanto vale davvero il vostro vecchio smartphone."
        ),
        authors=("chiara-benedetti", "sara-colombo"),
        tags=("Offerte", "Permuta", "Prezzi"),
        hours_ago=146,
        hero=Picture(
            "phones",
            "Permuta",
            GOLD,
            RED,
            "Illustrazione di tre smartphone usati pronti per la permuta",
        ),
        body=(
            p(
                "Lumio ha rinnovato il suo programma di permuta: consegnando un telefono usato "
                "si ottiene uno sconto immediato sull'acquisto di un modello nuovo, fino a un "
                "massimo di 250 euro."
            ),
            p(
                "La valutazione avviene online rispondendo ad alcune domande sullo stato del "
                "telefono, poi un corriere passa a ritirarlo. Se le condizioni reali sono "
                "peggiori di quelle dichiarate, la cifra viene ricalcolata."
            ),
            p(
                "Abbiamo provato con tre telefoni di redazione. Un modello di punta di due anni "
                "fa, in ottime condizioni, è stato valutato 230 euro; un telefono di fascia "
                "media di quattro anni fa appena 40."
            ),
            p(
                "Conviene confrontare la cifra proposta con quello che si otterrebbe vendendo "
                "il telefono a un privato: spesso è più bassa, ma si evitano trattative e "
                "spedizioni."
            ),
        ),
    ),
    Article(
        slug="lumio-note-2-prime-impressioni",
        category="smartphone",
        title="Lumio Note 2, il pennino torna sullo smartphone: le prime impressioni",
        standfirst=(
            "Schermo da 6,8 pollici, pennino integrato e una batteria generosa. Lo abbiamo "
            "usato per qualche giorno prima del lancio."
        ),
        authors=("luca-marchetti", "chiara-benedetti"),
        tags=("Lumio Note 2", "Lancio"),
        hours_ago=170,
        hero=Picture(
            "phone",
            "Note 2",
            ORANGE,
            VIOLET,
            "Illustrazione di uno smartphone Lumio Note 2 su sfondo arancione e viola",
        ),
        body=(
            p(
                "Il Lumio Note 2 è pensato per chi usa il telefono come un taccuino. Il pennino "
                "si infila nel bordo inferiore e, appena lo si estrae, si apre una schermata "
                "per appunti veloci anche a telefono bloccato."
            ),
            p(
                "La scrittura è precisa e la latenza bassa; il riconoscimento della grafia in "
                "italiano funziona bene, anche con una calligrafia non proprio ordinata come "
                "quella di chi scrive."
            ),
            p(
                "Lo schermo grande rende il Note 2 meno comodo da usare con una mano sola, ma è "
                "un prezzo che chi cerca questo tipo di telefono paga volentieri."
            ),
            p(
                "Prezzo e data di uscita italiani non sono ancora ufficiali. Torneremo sul Note "
                "2 con una prova completa appena sarà in vendita."
            ),
        ),
    ),
    Article(
        slug="assistenza-lumio-garanzia-tre-anni",
        category="mercato",
        title="Assistenza Lumio: la garanzia sale a tre anni per chi registra il telefono",
        standfirst=(
            "Basta registrare il dispositivo entro trenta giorni dall'acquisto per ottenere "
            "un anno in più di copertura, senza costi."
        ),
        authors=("chiara-benedetti",),
        tags=("Assistenza", "Garanzia"),
        hours_ago=218,
        hero=Picture(
            "store",
            "Assistenza",
            TEAL,
            BLUE,
            "Illustrazione di un centro assistenza con la tenda a righe",
        ),
        body=(
            p(
                "Da questo mese Lumio estende a tre anni la garanzia sui telefoni acquistati in "
                "Italia, a una condizione: registrare il dispositivo sul sito o nell'app entro "
                "trenta giorni dall'acquisto."
            ),
            p(
                "Il terzo anno copre gli stessi difetti dei primi due, ma non la batteria, per "
                "la quale resta valida la sostituzione a prezzo agevolato già prevista."
            ),
            p(
                "La registrazione richiede il numero di serie e lo scontrino. Chi ha comprato un "
                "Lumio nelle ultime settimane può registrarlo subito e ottenere comunque "
                "l'estensione."
            ),
            (
                "related",
                {"title": "Leggi anche", "slugs": ("lumio-negozio-milano",)},
            ),
        ),
    ),
)
