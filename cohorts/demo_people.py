"""Synthetic demo data for the ``seed_demo`` management command.

Pure data, no Django imports. Every person built from these lists is invented:
given and family names are drawn independently per country, so any pairing of
a country's ``given`` and ``family`` entries is meant to be plausible.

``NAMES[cc]["given"|"family"]`` holds ``(latin, native)`` tuples: ``latin`` is the
passport spelling (ASCII letters, spaces, hyphens, apostrophes), ``native`` the
same name in the country's usual script or with its diacritics, or ``None``
where that is identical to ``latin``. Ethiopian "family" names are fathers'
given names (Ethiopian naming); Malaysian "family" names are fathers' names
as used by Malay naming (bin/binti omitted).
"""

NAMES = {
    # --- Spanish / Portuguese speaking: accents in native where they apply ---
    "AR": {
        "given": [
            ("Juan Pablo", None), ("Maria Jose", "María José"), ("Martin", "Martín"),
            ("Lucia", "Lucía"), ("Santiago", None), ("Valentina", None),
            ("Matias", "Matías"), ("Florencia", None), ("Nicolas", "Nicolás"),
            ("Agustina", None), ("Federico", None), ("Carolina", None),
            ("Sofia", "Sofía"), ("Diego", None), ("Julieta", None),
        ],
        "family": [
            ("Gonzalez", "González"), ("Rodriguez", "Rodríguez"), ("Fernandez", "Fernández"),
            ("Lopez", "López"), ("Martinez", "Martínez"), ("Perez", "Pérez"),
            ("Gomez", "Gómez"), ("Diaz", "Díaz"), ("Romero", None), ("Sosa", None),
            ("Alvarez", "Álvarez"), ("Benitez", "Benítez"), ("Acosta", None),
            ("Ferreyra", None),
        ],
    },
    "BR": {
        "given": [
            ("Joao Pedro", "João Pedro"), ("Ana Clara", None), ("Lucas", None),
            ("Maria Eduarda", None), ("Gabriel", None), ("Juliana", None),
            ("Rafael", None), ("Beatriz", None), ("Felipe", None), ("Fernanda", None),
            ("Thiago", None), ("Leticia", "Letícia"), ("Andre", "André"),
            ("Larissa", None), ("Vinicius", "Vinícius"), ("Patricia", "Patrícia"),
        ],
        "family": [
            ("Silva", None), ("Santos", None), ("Oliveira", None), ("Souza", None),
            ("Pereira", None), ("Costa", None), ("Ferreira", None), ("Almeida", None),
            ("Lima", None), ("Goncalves", "Gonçalves"), ("Araujo", "Araújo"),
            ("Ribeiro", None), ("Carvalho", None), ("Rocha", None),
        ],
    },
    "CL": {
        "given": [
            ("Camila", None), ("Benjamin", "Benjamín"), ("Javiera", None),
            ("Cristobal", "Cristóbal"), ("Francisca", None), ("Sebastian", "Sebastián"),
            ("Constanza", None), ("Felipe", None), ("Catalina", None), ("Ignacio", None),
            ("Fernanda", None), ("Tomas", "Tomás"), ("Daniela", None), ("Rodrigo", None),
        ],
        "family": [
            ("Munoz", "Muñoz"), ("Rojas", None), ("Soto", None), ("Contreras", None),
            ("Silva", None), ("Sepulveda", "Sepúlveda"), ("Morales", None),
            ("Araya", None), ("Espinoza", None), ("Valenzuela", None),
            ("Castillo", None), ("Tapia", None), ("Reyes", None), ("Fuentes", None),
        ],
    },
    "SV": {
        "given": [
            ("Jose Luis", "José Luis"), ("Ana Gabriela", None), ("Carlos Alberto", None),
            ("Karla Patricia", None), ("Mario Ernesto", None), ("Rosa Maria", "Rosa María"),
            ("Kevin Alexander", None), ("Andrea Beatriz", None), ("Jorge Alberto", None),
            ("Sofia Alejandra", "Sofía Alejandra"), ("Ricardo Antonio", None),
            ("Claudia Marcela", None), ("Rene Mauricio", "René Mauricio"),
            ("Gabriela Ivette", None),
        ],
        "family": [
            ("Hernandez", "Hernández"), ("Martinez", "Martínez"), ("Lopez", "López"),
            ("Garcia", "García"), ("Rivera", None), ("Flores", None),
            ("Ramirez", "Ramírez"), ("Cruz", None), ("Romero", None), ("Aguilar", None),
            ("Mejia", "Mejía"), ("Portillo", None), ("Menjivar", "Menjívar"),
            ("Orellana", None),
        ],
    },
    "PA": {
        "given": [
            ("Luis Carlos", None), ("Itzel", None), ("Carlos", None),
            ("Ana Lucia", "Ana Lucía"), ("Ricardo", None), ("Yamileth", None),
            ("Abdiel", None), ("Gisela", None), ("Eduardo", None),
            ("Maria Fernanda", "María Fernanda"), ("Jorge Luis", None),
            ("Katherine", None), ("Roberto", None), ("Yariela", None),
        ],
        "family": [
            ("Gonzalez", "González"), ("Rodriguez", "Rodríguez"), ("Castillo", None),
            ("Herrera", None), ("Sanchez", "Sánchez"), ("Vasquez", "Vásquez"),
            ("Batista", None), ("Moreno", None), ("Pinzon", "Pinzón"),
            ("De Leon", "De León"), ("Saldana", "Saldaña"), ("Arosemena", None),
        ],
    },
    "UY": {
        "given": [
            ("Martin", "Martín"), ("Lucia", "Lucía"), ("Federico", None),
            ("Valentina", None), ("Joaquin", "Joaquín"), ("Camila", None),
            ("Gonzalo", None), ("Florencia", None), ("Santiago", None),
            ("Maria Noel", "María Noel"), ("Diego", None), ("Natalia", None),
            ("Facundo", None), ("Agustina", None),
        ],
        "family": [
            ("Rodriguez", "Rodríguez"), ("Gonzalez", "González"), ("Fernandez", "Fernández"),
            ("Silva", None), ("Pereira", None), ("Sosa", None), ("Martinez", "Martínez"),
            ("Suarez", "Suárez"), ("Olivera", None), ("Cabrera", None),
            ("Techera", None), ("Acosta", None), ("Nunez", "Núñez"), ("Perez", "Pérez"),
        ],
    },
    # --- Arabic script ---
    "EG": {
        "given": [
            ("Mohamed", "محمد"), ("Fatma", "فاطمة"), ("Ahmed", "أحمد"),
            ("Mariam", "مريم"), ("Mahmoud", "محمود"), ("Nour", "نور"),
            ("Omar", "عمر"), ("Yasmin", "ياسمين"), ("Mostafa", "مصطفى"),
            ("Heba", "هبة"), ("Karim", "كريم"), ("Salma", "سلمى"),
            ("Amr", "عمرو"), ("Dina", "دينا"), ("Youssef", "يوسف"), ("Rana", "رنا"),
        ],
        "family": [
            ("Hassan", "حسن"), ("Abdelrahman", "عبد الرحمن"), ("El-Sayed", "السيد"),
            ("Ibrahim", "إبراهيم"), ("Mansour", "منصور"), ("Fathy", "فتحي"),
            ("Soliman", "سليمان"), ("Abdel-Aziz", "عبد العزيز"), ("Farouk", "فاروق"),
            ("Ramadan", "رمضان"), ("Shehata", "شحاتة"), ("Khalil", "خليل"),
        ],
    },
    "MA": {
        "given": [
            ("Mohammed", "محمد"), ("Fatima-Zahra", "فاطمة الزهراء"), ("Youssef", "يوسف"),
            ("Khadija", "خديجة"), ("Hamza", "حمزة"), ("Salma", "سلمى"),
            ("Mehdi", "مهدي"), ("Imane", "إيمان"), ("Ayoub", "أيوب"),
            ("Meryem", "مريم"), ("Othmane", "عثمان"), ("Hajar", "هاجر"),
            ("Anas", "أنس"), ("Soukaina", "سكينة"),
        ],
        "family": [
            ("El Amrani", "العمراني"), ("Benali", "بنعلي"), ("Alaoui", "العلوي"),
            ("Bennani", "بناني"), ("Tazi", "التازي"), ("Idrissi", "الإدريسي"),
            ("Berrada", "برادة"), ("Chraibi", "الشرايبي"), ("El Fassi", "الفاسي"),
            ("Lahlou", "لحلو"), ("Ouazzani", "الوزاني"), ("Bouzid", "بوزيد"),
            ("Benjelloun", "بنجلون"),
        ],
    },
    "TN": {
        "given": [
            ("Mohamed", "محمد"), ("Amira", "أميرة"), ("Ahmed", "أحمد"),
            ("Sarra", "سارة"), ("Aymen", "أيمن"), ("Ines", "إيناس"),
            ("Mehdi", "مهدي"), ("Rania", "رانية"), ("Walid", "وليد"),
            ("Olfa", "ألفة"), ("Skander", "إسكندر"), ("Nesrine", "نسرين"),
            ("Hamdi", "حمدي"), ("Mariem", "مريم"),
        ],
        "family": [
            ("Ben Salah", "بن صالح"), ("Trabelsi", "الطرابلسي"), ("Gharbi", "الغربي"),
            ("Jaziri", "الجزيري"), ("Hammami", "الحمامي"), ("Ben Ammar", "بن عمار"),
            ("Mejri", "الماجري"), ("Chaabane", "شعبان"), ("Jlassi", "الجلاصي"),
            ("Ayari", "العياري"), ("Dridi", "الدريدي"), ("Ben Youssef", "بن يوسف"),
            ("Khemiri", "الخميري"), ("Masmoudi", "المصمودي"),
        ],
    },
    # --- Ethiopic script; "family" = father's given name ---
    "ET": {
        "given": [
            ("Abebe", "አበበ"), ("Selam", "ሰላም"), ("Dawit", "ዳዊት"),
            ("Hiwot", "ሕይወት"), ("Yonas", "ዮናስ"), ("Meron", "ሜሮን"),
            ("Tesfaye", "ተስፋዬ"), ("Bethlehem", "ቤተልሔም"), ("Mulugeta", "ሙሉጌታ"),
            ("Tigist", "ትዕግስት"), ("Henok", "ሄኖክ"), ("Mekdes", "መቅደስ"),
            ("Solomon", "ሰሎሞን"), ("Hana", "ሐና"), ("Samuel", "ሳሙኤል"), ("Liya", "ሊያ"),
        ],
        "family": [
            ("Tadesse", "ታደሰ"), ("Bekele", "በቀለ"), ("Girma", "ግርማ"),
            ("Haile", "ኃይሌ"), ("Alemu", "አለሙ"), ("Getachew", "ጌታቸው"),
            ("Kebede", "ከበደ"), ("Worku", "ወርቁ"), ("Desta", "ደስታ"),
            ("Mengistu", "መንግስቱ"), ("Wolde", "ወልዴ"), ("Assefa", "አሰፋ"),
            ("Negash", "ነጋሽ"),
        ],
    },
    # --- Thai script ---
    "TH": {
        "given": [
            ("Somchai", "สมชาย"), ("Siriporn", "ศิริพร"), ("Nattapong", "ณัฐพงษ์"),
            ("Kanokwan", "กนกวรรณ"), ("Wichai", "วิชัย"), ("Pimchanok", "พิมพ์ชนก"),
            ("Thanawat", "ธนวัฒน์"), ("Supaporn", "สุภาพร"), ("Chaiwat", "ชัยวัฒน์"),
            ("Nattaya", "ณัฐยา"), ("Apinya", "อภิญญา"), ("Kittisak", "กิตติศักดิ์"),
            ("Warunee", "วารุณี"), ("Anucha", "อนุชา"), ("Pornthip", "พรทิพย์"),
        ],
        "family": [
            ("Srisuk", "ศรีสุข"), ("Saetang", "แซ่ตั้ง"), ("Wongsawat", "วงศ์สวัสดิ์"),
            ("Chaiyasit", "ชัยสิทธิ์"), ("Rattanakul", "รัตนกุล"), ("Thongchai", "ทองชัย"),
            ("Kaewmanee", "แก้วมณี"), ("Suwannarat", "สุวรรณรัตน์"), ("Boonmee", "บุญมี"),
            ("Jaidee", "ใจดี"), ("Chanthawong", "จันทวงศ์"), ("Prasertsri", "ประเสริฐศรี"),
        ],
    },
    # --- Bengali script ---
    "BD": {
        "given": [
            ("Tanvir", "তানভীর"), ("Nusrat", "নুসরাত"), ("Rafiq", "রফিক"),
            ("Farzana", "ফারজানা"), ("Sabbir", "সাব্বির"), ("Sharmin", "শারমিন"),
            ("Arif", "আরিফ"), ("Nasrin", "নাসরিন"), ("Imran", "ইমরান"),
            ("Taslima", "তাসলিমা"), ("Kamrul", "কামরুল"), ("Sumaiya", "সুমাইয়া"),
            ("Mahmud", "মাহমুদ"), ("Rumana", "রুমানা"),
        ],
        "family": [
            ("Rahman", "রহমান"), ("Hossain", "হোসেন"), ("Islam", "ইসলাম"),
            ("Ahmed", "আহমেদ"), ("Chowdhury", "চৌধুরী"), ("Khan", "খান"),
            ("Haque", "হক"), ("Karim", "করিম"), ("Alam", "আলম"),
            ("Talukder", "তালুকদার"), ("Sarker", "সরকার"), ("Siddique", "সিদ্দিকী"),
        ],
    },
    # --- Devanagari ---
    "NP": {
        "given": [
            ("Ramesh", "रमेश"), ("Sita", "सीता"), ("Anjali", "अञ्जली"),
            ("Suman", "सुमन"), ("Prakash", "प्रकाश"), ("Sunita", "सुनिता"),
            ("Rajesh", "राजेश"), ("Pooja", "पूजा"), ("Santosh", "सन्तोष"),
            ("Sarita", "सरिता"), ("Deepak", "दीपक"), ("Manisha", "मनिषा"),
            ("Gita", "गीता"), ("Anil", "अनिल"), ("Binita", "बिनिता"),
        ],
        "family": [
            ("Shrestha", "श्रेष्ठ"), ("Sharma", "शर्मा"), ("Adhikari", "अधिकारी"),
            ("Thapa", "थापा"), ("Gurung", "गुरुङ"), ("Karki", "कार्की"),
            ("Rai", "राई"), ("Tamang", "तामाङ"), ("Poudel", "पौडेल"),
            ("Khadka", "खड्का"), ("Bhattarai", "भट्टराई"), ("Koirala", "कोइराला"),
            ("Magar", "मगर"), ("Pandey", "पाण्डे"),
        ],
    },
    # --- Vietnamese: native carries the diacritics ---
    "VN": {
        "given": [
            ("Thi Lan", "Thị Lan"), ("Van Minh", "Văn Minh"), ("Thi Huong", "Thị Hương"),
            ("Duc Anh", "Đức Anh"), ("Ngoc Anh", "Ngọc Anh"), ("Quoc Bao", "Quốc Bảo"),
            ("Minh Tuan", "Minh Tuấn"), ("Thi Mai", "Thị Mai"), ("Hai Nam", "Hải Nam"),
            ("Thanh Ha", "Thanh Hà"), ("Van Hung", "Văn Hùng"), ("Phuong Linh", "Phương Linh"),
            ("Dinh Khoa", "Đình Khoa"), ("Thi Hong Nhung", "Thị Hồng Nhung"),
            ("Tien Dung", "Tiến Dũng"), ("Thu Thuy", "Thu Thủy"),
        ],
        "family": [
            ("Nguyen", "Nguyễn"), ("Tran", "Trần"), ("Le", "Lê"), ("Pham", "Phạm"),
            ("Hoang", "Hoàng"), ("Huynh", "Huỳnh"), ("Vo", "Võ"), ("Dang", "Đặng"),
            ("Bui", "Bùi"), ("Do", "Đỗ"), ("Ngo", "Ngô"), ("Duong", "Dương"),
            ("Vu", "Vũ"), ("Dinh", "Đinh"),
        ],
    },
    # --- Korea: Hangul; full native name = family + given, no space ---
    "KR": {
        "given": [
            ("Min-jun", "민준"), ("Seo-yeon", "서연"), ("Ji-hoon", "지훈"),
            ("Ji-woo", "지우"), ("Hyun-woo", "현우"), ("Su-bin", "수빈"),
            ("Jae-won", "재원"), ("Eun-ji", "은지"), ("Dong-hyun", "동현"),
            ("Ye-jin", "예진"), ("Sung-min", "성민"), ("Hye-jin", "혜진"),
            ("Jun-ho", "준호"), ("Min-ji", "민지"), ("Sang-woo", "상우"),
            ("Ha-eun", "하은"), ("Young-ho", "영호"), ("Soo-yeon", "수연"),
            ("Tae-yang", "태양"), ("Ji-eun", "지은"), ("Seung-hyun", "승현"),
            ("Na-young", "나영"), ("Kyung-soo", "경수"), ("Yu-na", "유나"),
        ],
        "family": [
            ("Kim", "김"), ("Lee", "이"), ("Park", "박"), ("Choi", "최"),
            ("Jung", "정"), ("Kang", "강"), ("Cho", "조"), ("Yoon", "윤"),
            ("Jang", "장"), ("Lim", "임"), ("Han", "한"), ("Oh", "오"),
            ("Jeon", "전"), ("Shin", "신"), ("Kwon", "권"), ("Hwang", "황"),
            ("Ahn", "안"), ("Song", "송"),
        ],
    },
    # --- Latin script, no native variant ---
    "BW": {
        "given": [
            ("Kagiso", None), ("Lesego", None), ("Thato", None), ("Neo", None),
            ("Tumelo", None), ("Onalenna", None), ("Boitumelo", None), ("Mpho", None),
            ("Kabelo", None), ("Masego", None), ("Tebogo", None), ("Goitseone", None),
            ("Keabetswe", None), ("Oratile", None),
        ],
        "family": [
            ("Molefe", None), ("Mosweu", None), ("Motsumi", None), ("Sebego", None),
            ("Gaolathe", None), ("Kgathi", None), ("Modise", None), ("Tau", None),
            ("Moremi", None), ("Seleka", None), ("Mogapi", None), ("Molefhe", None),
        ],
    },
    "CM": {
        "given": [
            ("Jean-Pierre", None), ("Marie-Claire", None), ("Paul", None),
            ("Christelle", None), ("Emmanuel", None), ("Brigitte", None),
            ("Serge", None), ("Pauline", None), ("Armand", None), ("Sandrine", None),
            ("Yannick", None), ("Carine", None), ("Arnaud", None), ("Josiane", None),
        ],
        "family": [
            ("Mbarga", None), ("Fotso", None), ("Kamga", None), ("Essomba", None),
            ("Atangana", None), ("Onana", None), ("Nkodo", None), ("Tchoua", None),
            ("Ndongo", None), ("Njoya", None), ("Talla", None), ("Ngassa", None),
        ],
    },
    "GH": {
        "given": [
            ("Kwame", None), ("Ama", None), ("Kofi", None), ("Akosua", None),
            ("Yaw", None), ("Abena", None), ("Kwabena", None), ("Efua", None),
            ("Emmanuel", None), ("Esi", None), ("Kwaku", None), ("Adwoa", None),
            ("Samuel", None), ("Gifty", None),
        ],
        "family": [
            ("Mensah", None), ("Owusu", None), ("Boateng", None), ("Asante", None),
            ("Osei", None), ("Appiah", None), ("Agyeman", None), ("Acheampong", None),
            ("Ofori", None), ("Danso", None), ("Amoah", None), ("Darko", None),
        ],
    },
    "KE": {
        "given": [
            ("Brian", None), ("Grace", None), ("Faith", None), ("Kevin", None),
            ("Mercy", None), ("Dennis", None), ("Esther", None), ("Collins", None),
            ("Joyce", None), ("Peter", None), ("Caroline", None), ("James", None),
            ("Winnie", None), ("Victor", None),
        ],
        "family": [
            ("Kamau", None), ("Otieno", None), ("Mwangi", None), ("Ochieng", None),
            ("Njoroge", None), ("Odhiambo", None), ("Wekesa", None), ("Mutua", None),
            ("Kariuki", None), ("Omondi", None), ("Kimani", None), ("Kiprono", None),
        ],
    },
    "MY": {
        "given": [
            ("Muhammad Amir", None), ("Nur Aisyah", None), ("Ahmad Faiz", None),
            ("Siti Aminah", None), ("Mohd Hafiz", None), ("Nurul Huda", None),
            ("Amirul Hakim", None), ("Nor Azlina", None), ("Muhammad Syafiq", None),
            ("Farah Nadia", None), ("Khairul Anuar", None), ("Intan Suraya", None),
            ("Hafizuddin", None), ("Aina Sofea", None),
        ],
        "family": [
            ("Ismail", None), ("Abdullah", None), ("Rahman", None), ("Hassan", None),
            ("Ibrahim", None), ("Yusof", None), ("Othman", None), ("Hamzah", None),
            ("Zakaria", None), ("Razak", None), ("Osman", None), ("Salleh", None),
            ("Aziz", None),
        ],
    },
    "NG": {
        "given": [
            ("Emmanuel", None), ("Grace", None), ("Blessing", None), ("Samuel", None),
            ("Esther", None), ("Daniel", None), ("Joy", None), ("Victor", None),
            ("Peace", None), ("Stephen", None), ("Ruth", None), ("Godwin", None),
            ("Mercy", None), ("Joseph", None),
        ],
        "family": [
            ("Okafor", None), ("Adeyemi", None), ("Eze", None), ("Okonkwo", None),
            ("Adebayo", None), ("Nwosu", None), ("Oladipo", None), ("Balogun", None),
            ("Chukwu", None), ("Ogunleye", None), ("Obi", None), ("Afolabi", None),
        ],
    },
    "RW": {
        "given": [
            ("Jean Claude", None), ("Aline", None), ("Eric", None), ("Divine", None),
            ("Patrick", None), ("Claudine", None), ("Emmanuel", None), ("Josiane", None),
            ("Olivier", None), ("Grace", None), ("Innocent", None), ("Diane", None),
            ("Yves", None), ("Clarisse", None),
        ],
        "family": [
            ("Habimana", None), ("Niyonzima", None), ("Mugisha", None),
            ("Nshimiyimana", None), ("Ndayisaba", None), ("Hakizimana", None),
            ("Nsengiyumva", None), ("Bizimana", None), ("Iradukunda", None),
            ("Tuyishime", None), ("Uwimana", None), ("Niyitegeka", None),
        ],
    },
    "ZA": {
        "given": [
            ("Thabo", None), ("Nomvula", None), ("Sipho", None), ("Lerato", None),
            ("Themba", None), ("Zanele", None), ("Mandla", None), ("Palesa", None),
            ("Bongani", None), ("Naledi", None), ("Lindiwe", None), ("Tshepo", None),
            ("Busisiwe", None), ("Kagiso", None),
        ],
        "family": [
            ("Dlamini", None), ("Nkosi", None), ("Mokoena", None), ("Ndlovu", None),
            ("Khumalo", None), ("Mahlangu", None), ("Mthembu", None), ("Zungu", None),
            ("Molefe", None), ("Sithole", None), ("Radebe", None), ("Cele", None),
        ],
    },
    "SN": {
        "given": [
            ("Mamadou", None), ("Fatou", None), ("Ousmane", None), ("Aminata", None),
            ("Cheikh", None), ("Awa", None), ("Ibrahima", None), ("Mariama", None),
            ("Abdoulaye", None), ("Khady", None), ("Moussa", None), ("Ndeye", None),
            ("Modou", None), ("Astou", None),
        ],
        "family": [
            ("Diop", None), ("Ndiaye", None), ("Fall", None), ("Sow", None),
            ("Diallo", None), ("Sarr", None), ("Ba", None), ("Gueye", None),
            ("Faye", None), ("Mbaye", None), ("Seck", None), ("Thiam", None),
            ("Niang", None),
        ],
    },
    "TZ": {
        "given": [
            ("Baraka", None), ("Neema", None), ("Emmanuel", None), ("Rehema", None),
            ("Joseph", None), ("Zawadi", None), ("Godfrey", None), ("Upendo", None),
            ("Elias", None), ("Happiness", None), ("Faraja", None), ("Erasto", None),
            ("Glory", None), ("Joyce", None),
        ],
        "family": [
            ("Mushi", None), ("Massawe", None), ("Kimaro", None), ("Mrema", None),
            ("Mollel", None), ("Mbwambo", None), ("Shayo", None), ("Lyimo", None),
            ("Mwakalinga", None), ("Komba", None), ("Mwakyusa", None), ("Swai", None),
        ],
    },
    "UG": {
        "given": [
            ("Brian", None), ("Sarah", None), ("Moses", None), ("Esther", None),
            ("Ivan", None), ("Patience", None), ("Ronald", None), ("Agnes", None),
            ("Isaac", None), ("Joan", None), ("Denis", None), ("Harriet", None),
            ("Allan", None), ("Doreen", None),
        ],
        "family": [
            ("Okello", None), ("Mugisha", None), ("Tumusiime", None),
            ("Byaruhanga", None), ("Okot", None), ("Odongo", None), ("Mukasa", None),
            ("Lubega", None), ("Kiggundu", None), ("Tumwine", None),
            ("Ahimbisibwe", None), ("Asiimwe", None),
        ],
    },
}

ORGANISATIONS = {
    "AR": [
        ("Sinergium Biotech", "vaccine_manufacturer"),
        ("mAbxience", "medicine_manufacturer"),
        ("National Administration of Drugs, Food and Medical Technology (ANMAT)", "regulatory_authority"),
        ("National Administration of Laboratories and Health Institutes (ANLIS Malbran)", "public_health_institute"),
    ],
    "BD": [
        ("Incepta Pharmaceuticals", "vaccine_manufacturer"),
        ("Beximco Pharmaceuticals", "medicine_manufacturer"),
        ("Directorate General of Drug Administration", "regulatory_authority"),
        ("Institute of Public Health, Dhaka", "public_health_institute"),
    ],
    "BW": [
        ("Botswana Vaccine Institute", "vaccine_manufacturer"),
        ("Botswana Medicines Regulatory Authority", "regulatory_authority"),
        ("Ministry of Health, Botswana", "ministry"),
        ("University of Botswana", "academia"),
    ],
    "BR": [
        ("Bio-Manguinhos/Fiocruz", "vaccine_manufacturer"),
        ("Instituto Butantan", "vaccine_manufacturer"),
        ("Brazilian Health Regulatory Agency (ANVISA)", "regulatory_authority"),
    ],
    "CL": [
        ("Institute of Public Health of Chile (ISP)", "regulatory_authority"),
        ("Ministry of Health of Chile", "ministry"),
        ("Pontifical Catholic University of Chile", "academia"),
    ],
    "CM": [
        ("Centre Pasteur du Cameroun", "public_health_institute"),
        ("Ministry of Public Health, Cameroon", "ministry"),
        ("National Laboratory for Drug Quality Control and Expertise (LANACOME)", "regulatory_authority"),
    ],
    "EG": [
        ("VACSERA", "vaccine_manufacturer"),
        ("Minapharm Pharmaceuticals", "medicine_manufacturer"),
        ("Egyptian Drug Authority", "regulatory_authority"),
        ("Ministry of Health and Population, Egypt", "ministry"),
    ],
    "ET": [
        ("National Veterinary Institute", "vaccine_manufacturer"),
        ("Ethiopian Food and Drug Authority", "regulatory_authority"),
        ("Ethiopian Public Health Institute", "public_health_institute"),
        ("Armauer Hansen Research Institute", "public_health_institute"),
    ],
    "SV": [
        ("Laboratorios Lopez", "medicine_manufacturer"),
        ("National Directorate of Medicines (DNM)", "regulatory_authority"),
        ("Ministry of Health of El Salvador", "ministry"),
        ("University of El Salvador", "academia"),
    ],
    "GH": [
        ("Kinapharma", "medicine_manufacturer"),
        ("Food and Drugs Authority, Ghana", "regulatory_authority"),
        ("Ghana Health Service", "public_health_institute"),
        ("Noguchi Memorial Institute for Medical Research", "public_health_institute"),
    ],
    "KE": [
        ("Kenya BioVax Institute", "vaccine_manufacturer"),
        ("Pharmacy and Poisons Board", "regulatory_authority"),
        ("Kenya Medical Research Institute", "public_health_institute"),
    ],
    "KR": [
        ("SK bioscience", "vaccine_manufacturer"),
        ("GC Biopharma", "vaccine_manufacturer"),
        ("EuBiologics", "vaccine_manufacturer"),
        ("LG Chem", "vaccine_manufacturer"),
        ("Boryung Biopharma", "vaccine_manufacturer"),
        ("Il-Yang Pharmaceutical", "vaccine_manufacturer"),
        ("Samsung Biologics", "medicine_manufacturer"),
        ("Celltrion", "medicine_manufacturer"),
        ("Hanmi Pharmaceutical", "medicine_manufacturer"),
    ],
    "MY": [
        ("Pharmaniaga", "medicine_manufacturer"),
        ("Duopharma Biotech", "medicine_manufacturer"),
        ("National Pharmaceutical Regulatory Agency (NPRA)", "regulatory_authority"),
        ("Institute for Medical Research", "public_health_institute"),
    ],
    "MA": [
        ("Sothema", "medicine_manufacturer"),
        ("Institut Pasteur du Maroc", "public_health_institute"),
        ("Directorate of Medicines and Pharmacy (DMP)", "regulatory_authority"),
    ],
    "NG": [
        ("Biovaccines Nigeria Limited", "vaccine_manufacturer"),
        ("May & Baker Nigeria", "medicine_manufacturer"),
        ("National Agency for Food and Drug Administration and Control (NAFDAC)", "regulatory_authority"),
        ("Nigeria Centre for Disease Control", "public_health_institute"),
    ],
    "NP": [
        ("Department of Drug Administration", "regulatory_authority"),
        ("Ministry of Health and Population, Nepal", "ministry"),
        ("National Public Health Laboratory", "public_health_institute"),
    ],
    "PA": [
        ("Gorgas Memorial Institute for Health Studies", "public_health_institute"),
        ("National Directorate of Pharmacy and Drugs", "regulatory_authority"),
        ("Ministry of Health of Panama (MINSA)", "ministry"),
    ],
    "RW": [
        ("Rwanda Food and Drugs Authority", "regulatory_authority"),
        ("Rwanda Biomedical Centre", "public_health_institute"),
        ("University of Rwanda", "academia"),
    ],
    "ZA": [
        ("Biovac", "vaccine_manufacturer"),
        ("Afrigen Biologics and Vaccines", "vaccine_manufacturer"),
        ("Aspen Pharmacare", "medicine_manufacturer"),
        ("South African Health Products Regulatory Authority", "regulatory_authority"),
    ],
    "SN": [
        ("Institut Pasteur de Dakar", "vaccine_manufacturer"),
        ("Senegalese Pharmaceutical Regulatory Agency (ARP)", "regulatory_authority"),
        ("Ministry of Health and Social Action, Senegal", "ministry"),
    ],
    "TZ": [
        ("Tanzania Medicines and Medical Devices Authority", "regulatory_authority"),
        ("National Institute for Medical Research", "public_health_institute"),
        ("Muhimbili University of Health and Allied Sciences", "academia"),
    ],
    "TH": [
        ("Government Pharmaceutical Organization", "vaccine_manufacturer"),
        ("BioNet-Asia", "vaccine_manufacturer"),
        ("Siam Bioscience", "medicine_manufacturer"),
        ("Thai Food and Drug Administration", "regulatory_authority"),
    ],
    "TN": [
        ("Institut Pasteur de Tunis", "vaccine_manufacturer"),
        ("SAIPH", "medicine_manufacturer"),
        ("Directorate of Pharmacy and Medicines (DPM)", "regulatory_authority"),
    ],
    "UG": [
        ("Dei BioPharma", "vaccine_manufacturer"),
        ("National Drug Authority", "regulatory_authority"),
        ("Uganda Virus Research Institute", "public_health_institute"),
        ("Makerere University", "academia"),
    ],
    "UY": [
        ("Ministry of Public Health of Uruguay", "ministry"),
        ("Institut Pasteur de Montevideo", "public_health_institute"),
        ("University of the Republic", "academia"),
    ],
    "VN": [
        ("Institute of Vaccines and Medical Biologicals (IVAC)", "vaccine_manufacturer"),
        ("VABIOTECH", "vaccine_manufacturer"),
        ("POLYVAC", "vaccine_manufacturer"),
        ("Drug Administration of Vietnam", "regulatory_authority"),
    ],
}

JOB_TITLES = {
    "lmic_production": [
        "Production Manager",
        "QC Analyst",
        "QC Microbiologist",
        "QA Officer",
        "QA Manager",
        "Process Development Scientist",
        "Upstream Process Engineer",
        "Downstream Process Engineer",
        "Fill-Finish Supervisor",
        "Validation Engineer",
        "Technology Transfer Specialist",
        "Regulatory Affairs Officer",
    ],
    "lmic_government": [
        "Regulatory Officer",
        "GMP Inspector",
        "Senior Programme Officer, EPI",
        "Lot Release Officer",
        "Pharmacovigilance Officer",
        "Clinical Trials Assessor",
        "Quality Control Laboratory Analyst",
        "Medicines Registration Officer",
        "Public Health Specialist",
        "Deputy Director, Pharmaceutical Services",
    ],
    "korea_industry": [
        "Research Scientist",
        "Senior Researcher",
        "Process Engineer",
        "Bioprocess Engineer",
        "QC Manager",
        "QA Specialist",
        "Production Supervisor",
        "Validation Specialist",
        "MSAT Engineer",
        "Regulatory Affairs Manager",
        "Global Business Development Manager",
    ],
}

FACULTY = [
    ("Ji-seon Han", "International Vaccine Institute"),
    ("Lucas Ferreira-Mendes", "International Vaccine Institute"),
    ("Dong-kyu Lee", "Seoul National University"),
    ("Ha-rin Oh", "Yonsei University"),
    ("Eun-hye Choi", "Ministry of Food and Drug Safety"),
    ("Young-rae Shin", "Korea Disease Control and Prevention Agency"),
    ("In-sook Hwang", "Korea National Institute of Health"),
    ("Margaret Okonjo-Hale", "World Health Organization"),
    ("Priya Ramanathan", "World Health Organization"),
    ("Min-seok Jang", "SK bioscience"),
    ("Seo-hee Yoon", "GC Biopharma"),
    ("Tae-hoon Kwon", "Samsung Biologics"),
    ("Claire Dubreuil", "Medicines Patent Pool"),
    ("Jae-hyuk Song", "Korea Advanced Institute of Science and Technology"),
]
