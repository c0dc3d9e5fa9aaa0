#include "sim/data/tables.hpp"

#include <array>

namespace sim::tables {

namespace {

constexpr Name kLastNames[] = {
    {"EL AMRANI", "العمراني"},  {"BENJELLOUN", "بنجلون"},     {"TAZI", "التازي"},
    {"BENNANI", "بناني"},       {"EL IDRISSI", "الإدريسي"},   {"ALAOUI", "العلوي"},
    {"EL FASSI", "الفاسي"},     {"BERRADA", "برادة"},         {"CHRAIBI", "الشرايبي"},
    {"LAHLOU", "لحلو"},         {"SEBTI", "السبتي"},          {"TAHIRI", "الطاهري"},
    {"EL OUAZZANI", "الوزاني"}, {"BENKIRANE", "بنكيران"},     {"SQALLI", "السقلي"},
    {"KETTANI", "الكتاني"},     {"ZIANI", "الزياني"},         {"BOUZIDI", "البوزيدي"},
    {"EL KHATTABI", "الخطابي"}, {"OUAHBI", "الوهبي"},         {"HAJJI", "الحجي"},
    {"BOUKHARI", "البخاري"},    {"SAIDI", "السعيدي"},         {"NACIRI", "الناصري"},
    {"MANSOURI", "المنصوري"},   {"BENSAID", "بنسعيد"},        {"CHERKAOUI", "الشرقاوي"},
    {"RAMI", "الرامي"},         {"FILALI", "الفيلالي"},       {"GHARBI", "الغربي"},
    {"SLAOUI", "السلاوي"},      {"DOUKKALI", "الدكالي"},      {"SOUSSI", "السوسي"},
    {"RIFFI", "الريفي"},        {"MARRAKCHI", "المراكشي"},    {"HASSANI", "الحسني"},
    {"HOUSSAINI", "الحسيني"},   {"BENALI", "بنعلي"},          {"BENMOUSSA", "بنموسى"},
    {"BENOMAR", "بنعمر"},       {"EL MOUSSAOUI", "الموساوي"}, {"AIT TALEB", "آيت الطالب"},
    {"AIT ALI", "آيت علي"},     {"ZEROUAL", "زروال"},         {"KABBAJ", "القباج"},
    {"GUESSOUS", "كسوس"},       {"LAZRAK", "الأزرق"},         {"BENCHEKROUN", "بنشقرون"},
    {"JAMAI", "الجامعي"},       {"MERNISSI", "المرنيسي"},     {"NAJI", "الناجي"},
    {"BAKKALI", "البقالي"},     {"RAHALI", "الرحالي"},        {"CHAOUI", "الشاوي"},
    {"BELHAJ", "بلحاج"},        {"HAMDAOUI", "الحمداوي"},     {"ISMAILI", "الإسماعيلي"},
    {"JABRI", "الجابري"},       {"KARIMI", "الكريمي"},        {"LAAROUSSI", "العروسي"},
    {"MEKOUAR", "مكوار"},       {"NEJJARI", "النجاري"},       {"OUARDI", "الوردي"},
    {"RAISSOUNI", "الريسوني"},  {"YACOUBI", "اليعقوبي"},      {"ESSAFI", "الصافي"},
    {"BOUABID", "بوعبيد"},      {"EL BAZ", "الباز"},          {"HILALI", "الهلالي"},
    {"ALAMI", "العلمي"},        {"DAHBI", "الذهبي"},          {"FADILI", "الفاضلي"},
    {"GHAZI", "الغازي"},
};

constexpr Name kMaleFirstNames[] = {
    {"Mohammed", "محمد"},
    {"Ahmed", "أحمد"},
    {"Youssef", "يوسف"},
    {"Karim", "كريم"},
    {"Omar", "عمر"},
    {"Hassan", "حسن"},
    {"Hamza", "حمزة"},
    {"Mehdi", "مهدي"},
    {"Anas", "أنس"},
    {"Ayoub", "أيوب"},
    {"Amine", "أمين"},
    {"Adil", "عادل"},
    {"Abdelkader", "عبد القادر"},
    {"Abdellah", "عبد الله"},
    {"Abderrahim", "عبد الرحيم"},
    {"Abdelaziz", "عبد العزيز"},
    {"Abdelilah", "عبد الإله"},
    {"Rachid", "رشيد"},
    {"Said", "سعيد"},
    {"Mustapha", "مصطفى"},
    {"Khalid", "خالد"},
    {"Driss", "إدريس"},
    {"Hicham", "هشام"},
    {"Nabil", "نبيل"},
    {"Tarik", "طارق"},
    {"Yassine", "ياسين"},
    {"Othmane", "عثمان"},
    {"Ismail", "إسماعيل"},
    {"Brahim", "إبراهيم"},
    {"Jamal", "جمال"},
    {"Jalal", "جلال"},
    {"Noureddine", "نور الدين"},
    {"Redouane", "رضوان"},
    {"Soufiane", "سفيان"},
    {"Zakaria", "زكرياء"},
    {"Ilyas", "إلياس"},
    {"Bilal", "بلال"},
    {"Aziz", "عزيز"},
    {"Larbi", "العربي"},
    {"Lahcen", "لحسن"},
    {"Mohamed Amine", "محمد أمين"},
    {"Younes", "يونس"},
    {"Badr", "بدر"},
    {"Fouad", "فؤاد"},
    {"Hamid", "حميد"},
    {"Khalil", "خليل"},
    {"Mounir", "منير"},
    {"Reda", "رضا"},
    {"Salah", "صلاح"},
    {"Taha", "طه"},
    {"Walid", "وليد"},
    {"Adam", "آدم"},
    {"Rayane", "ريان"},
    {"Ali", "علي"},
    {"Abdelhak", "عبد الحق"},
};

constexpr Name kFemaleFirstNames[] = {
    {"Fatima", "فاطمة"},   {"Fatima Zahra", "فاطمة الزهراء"},
    {"Khadija", "خديجة"},  {"Aicha", "عائشة"},
    {"Meryem", "مريم"},    {"Salma", "سلمى"},
    {"Sara", "سارة"},      {"Hajar", "هاجر"},
    {"Imane", "إيمان"},    {"Nadia", "نادية"},
    {"Naima", "نعيمة"},    {"Latifa", "لطيفة"},
    {"Malika", "مليكة"},   {"Zineb", "زينب"},
    {"Hafsa", "حفصة"},     {"Houda", "هدى"},
    {"Samira", "سميرة"},   {"Souad", "سعاد"},
    {"Rachida", "رشيدة"},  {"Saida", "سعيدة"},
    {"Amina", "أمينة"},    {"Asmae", "أسماء"},
    {"Btissam", "ابتسام"}, {"Chaimae", "شيماء"},
    {"Douae", "دعاء"},     {"Ghizlane", "غزلان"},
    {"Hanane", "حنان"},    {"Ikram", "إكرام"},
    {"Karima", "كريمة"},   {"Layla", "ليلى"},
    {"Loubna", "لبنى"},    {"Nawal", "نوال"},
    {"Nisrine", "نسرين"},  {"Oumaima", "أميمة"},
    {"Rajae", "رجاء"},     {"Sanae", "سناء"},
    {"Siham", "سهام"},     {"Soukaina", "سكينة"},
    {"Wafae", "وفاء"},     {"Yasmine", "ياسمين"},
    {"Zahra", "زهرة"},     {"Jamila", "جميلة"},
    {"Hind", "هند"},       {"Kenza", "كنزة"},
    {"Lamia", "لمياء"},    {"Najat", "نجاة"},
    {"Rim", "ريم"},        {"Yousra", "يسرى"},
    {"Amal", "أمل"},       {"Ilham", "إلهام"},
    {"Hayat", "حياة"},     {"Noura", "نورة"},
};

constexpr Commune kCommunes[] = {
    {"Casablanca", "Casablanca", "20000"},
    {"Rabat", "Rabat", "10000"},
    {"Tanger", "Tanger-Assilah", "90000"},
    {"Fès", "Fès", "30000"},
    {"Marrakech", "Marrakech", "40000"},
    {"Agadir", "Agadir Ida-Outanane", "80000"},
    {"Oujda", "Oujda-Angad", "60000"},
    {"Meknès", "Meknès", "50000"},
    {"Kénitra", "Kénitra", "14000"},
    {"Tétouan", "Tétouan", "93000"},
    {"Safi", "Safi", "46000"},
    {"Nador", "Nador", "62000"},
    {"Settat", "Settat", "26000"},
    {"Khouribga", "Khouribga", "25000"},
    {"Taza", "Taza", "35000"},
    {"Laâyoune", "Laâyoune", "70000"},
    {"Salé", "Salé", "11000"},
    {"Témara", "Skhirate-Témara", "12000"},
    {"Mohammedia", "Mohammedia", "28800"},
    {"Sefrou", "Sefrou", "31000"},
    {"Asilah", "Tanger-Assilah", "90050"},
    {"Martil", "M'diq-Fnideq", "93150"},
    {"Chefchaouen", "Chefchaouen", "91000"},
    {"Larache", "Larache", "92000"},
    {"Ksar El Kébir", "Larache", "92150"},
    {"Sidi Kacem", "Sidi Kacem", "16000"},
    {"Khémisset", "Khémisset", "15000"},
    {"Inezgane", "Inezgane-Aït Melloul", "86350"},
    {"Taroudant", "Taroudant", "83000"},
    {"Tiznit", "Tiznit", "85000"},
    {"Berkane", "Berkane", "63300"},
    {"Al Hoceïma", "Al Hoceïma", "32000"},
    {"El Jadida", "El Jadida", "24000"},
    {"Essaouira", "Essaouira", "44000"},
    {"Béni Mellal", "Béni Mellal", "23000"},
    {"Berrechid", "Berrechid", "26100"},
    {"Errachidia", "Errachidia", "52000"},
    {"Ouarzazate", "Ouarzazate", "45000"},
    {"Dakhla", "Oued Ed-Dahab", "73000"},
    {"Guelmim", "Guelmim", "81000"},
    {"Ifrane", "Ifrane", "53000"},
    {"Azrou", "Ifrane", "53100"},
    {"Khénifra", "Khénifra", "54000"},
    {"Taourirt", "Taourirt", "65800"},
    {"Guercif", "Guercif", "35100"},
    {"Midelt", "Midelt", "54350"},
    {"Benslimane", "Benslimane", "13000"},
    {"Youssoufia", "Youssoufia", "46300"},
    {"Fquih Ben Salah", "Fquih Ben Salah", "23200"},
    {"Ouezzane", "Ouezzane", "16200"},
    {"Zagora", "Zagora", "47900"},
};

// The commune indexes refer to kCommunes above (the first sixteen are the courts' cities).
constexpr Tribunal kTribunals[] = {
    {"CASABLANCA", 0}, {"RABAT", 1},      {"TANGER", 2}, {"FES", 3},
    {"MARRAKECH", 4},  {"AGADIR", 5},     {"OUJDA", 6},  {"MEKNES", 7},
    {"KENITRA", 8},    {"TETOUAN", 9},    {"SAFI", 10},  {"NADOR", 11},
    {"SETTAT", 12},    {"KHOURIBGA", 13}, {"TAZA", 14},  {"LAAYOUNE", 15},
};

constexpr Activity kActivities[] = {
    {"01.11", "Culture de céréales, de légumineuses et de graines oléagineuses", "AGRI", false},
    {"10.71", "Fabrication de pain et de pâtisserie fraîche", "BOULANGERIE", true},
    {"14.13", "Fabrication d'autres vêtements de dessus", "TEXTILE", false},
    {"23.61", "Fabrication d'éléments en béton pour la construction", "BETON", false},
    {"25.11", "Fabrication de structures métalliques et de parties de structures", "METAL", false},
    {"41.20", "Construction de bâtiments résidentiels et non résidentiels", "CONSTRUCTION", false},
    {"43.21", "Installation électrique", "ELECTRICITE", true},
    {"43.22", "Travaux de plomberie et installation de chauffage et de conditionnement d'air",
     "PLOMBERIE", true},
    {"45.20", "Entretien et réparation de véhicules automobiles", "AUTO SERVICES", true},
    {"46.90", "Commerce de gros non spécialisé", "NEGOCE", false},
    {"47.11", "Commerce de détail en magasin non spécialisé à prédominance alimentaire",
     "DISTRIBUTION", true},
    {"47.73", "Commerce de détail de produits pharmaceutiques en magasin spécialisé", "PHARMA",
     true},
    {"49.32", "Transports de voyageurs par taxis", "TAXI", true},
    {"49.41", "Transports routiers de fret", "TRANSPORT", false},
    {"52.29", "Autres services auxiliaires des transports", "LOGISTIQUE", false},
    {"55.10", "Hôtels et hébergement similaire", "HOTELS", false},
    {"56.10", "Restaurants et services de restauration mobile", "RESTAURATION", true},
    {"62.01", "Programmation informatique", "DIGITAL", true},
    {"62.02", "Conseil informatique", "SYSTEMES", true},
    {"63.11", "Traitement de données, hébergement et activités connexes", "DATA", false},
    {"68.20", "Location et exploitation de biens immobiliers propres ou loués", "IMMOBILIER",
     false},
    {"69.20", "Activités comptables", "CONSEIL COMPTABLE", true},
    {"70.22", "Conseil pour les affaires et autres conseils de gestion", "CONSULTING", true},
    {"71.12", "Activités d'ingénierie", "INGENIERIE", false},
    {"73.11", "Activités des agences de publicité", "COMMUNICATION", false},
    {"78.20", "Activités des agences de travail temporaire", "INTERIM", false},
    {"81.21", "Nettoyage courant des bâtiments", "NETTOYAGE", true},
    {"85.59", "Enseignement divers", "FORMATION", true},
    {"86.23", "Pratique dentaire", "DENTAIRE", true},
    {"96.02", "Coiffure et soins de beauté", "BEAUTE", true},
};

constexpr LegalForm kLegalForms[] = {
    {"SARL", "Société à responsabilité limitée"},
    {"SARLAU", "Société à responsabilité limitée à associé unique"},
    {"SA", "Société anonyme"},
    {"SNC", "Société en nom collectif"},
    {"SCS", "Société en commandite simple"},
    {"SCA", "Société en commandite par actions"},
    {"GIE", "Groupement d'intérêt économique"},
    {"PP", "Personne physique"},
    {"SUCC", "Succursale de société étrangère"},
};

constexpr std::string_view kStreets[] = {
    "rue Ibn Khaldoun",        "avenue Mohammed V",
    "boulevard Zerktouni",     "rue Allal Ben Abdellah",
    "avenue Hassan II",        "rue Oqba Ibn Nafii",
    "avenue des FAR",          "rue Moulay Ismail",
    "boulevard Abdelmoumen",   "rue Al Mansour Eddahbi",
    "avenue Lalla Yacout",     "rue Tarik Ibn Ziad",
    "boulevard d'Anfa",        "rue de Fès",
    "avenue Moulay Youssef",   "rue Ibn Sina",
    "avenue Al Massira",       "rue Imam Malik",
    "boulevard Bir Anzarane",  "rue Abou Bakr Seddik",
    "avenue Mohammed VI",      "rue El Moutanabbi",
    "boulevard Moulay Rachid", "rue Al Qods",
};

constexpr std::string_view kQuarters[] = {
    "Agdal",     "Hay Riad",     "Maârif",       "Hay Mohammadi", "Hay Salam",
    "Gueliz",    "Centre ville", "Hay Hassani",  "Bourgogne",     "Médina",
    "Hay Nahda", "Sidi Maârouf", "Hay Al Matar", "Les Orangers",  "Hay Karima",
    "Massira",   "Hay Inbiaat",  "Val Fleuri",   "Hay Annahda",   "Bensouda",
};

constexpr std::string_view kCompanyWords[] = {
    "ATLAS",    "SAHARA",  "ANFA",      "MAGHREB",     "RIF",       "SOUSS",       "ZENATA",
    "BARAKA",   "NOUR",    "AMAL",      "OASIS",       "MEDINA",    "ARGANA",      "TOUBKAL",
    "DRAA",     "CHAOUIA", "BOUREGREG", "TINGIS",      "VOLUBILIS", "ASSALAM",     "MOGADOR",
    "TAFILALT", "ZIZ",     "SEBOU",     "OUM ERRABIA", "IFRIQIA",   "AL ANDALOUS", "ITQANE",
};

}  // namespace

std::span<const Name> last_names() {
  return kLastNames;
}
std::span<const Name> male_first_names() {
  return kMaleFirstNames;
}
std::span<const Name> female_first_names() {
  return kFemaleFirstNames;
}
std::span<const Commune> communes() {
  return kCommunes;
}
std::span<const Tribunal> tribunals() {
  return kTribunals;
}
std::span<const Activity> activities() {
  return kActivities;
}
std::span<const LegalForm> legal_forms() {
  return kLegalForms;
}
std::span<const std::string_view> streets() {
  return kStreets;
}
std::span<const std::string_view> quarters() {
  return kQuarters;
}
std::span<const std::string_view> company_words() {
  return kCompanyWords;
}

int find_tribunal(std::string_view code) {
  for (std::size_t i = 0; i < std::size(kTribunals); ++i) {
    if (kTribunals[i].code == code) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace sim::tables
