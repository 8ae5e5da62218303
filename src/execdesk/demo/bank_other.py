"""Everything in an executive's mailbox that is not a customer: press, lawyers, investors, job
seekers, vendors, spam, and customers who write in Spanish, German or French.

These kinds come a few at a time, so each is written out whole (with drawn details) rather
than assembled; the generator uses each text at most once per month.
"""

from __future__ import annotations

# (outlet, domain, reporter title) for background press inquiries
PRESS = (
    (
        "Midwest Business Journal",
        "mwbizjournal.example",
        "Senior reporter",
        "Questions about your 5G rollout in the Midwest",
        "I'm working on a piece about the 5G rollout across Ohio and Indiana. Several readers say the coverage "
        "maps overstate what they actually get. Would {exec_first} {exec_last} or a spokesperson be available "
        "for a 15-minute interview this week? I'd also welcome figures on how many sites were upgraded this "
        "year.\n\nMy deadline is Thursday at noon.",
    ),
    (
        "Consumer Watch Radio",
        "consumerwatch.example",
        "Producer",
        "Interview request: price increases on legacy plans",
        "I produce Consumer Watch, a weekly call-in show. Listeners have been calling about the $5 per line "
        "increase on older plans. We'd like to invite a {short} representative on air next Tuesday to "
        "explain the change and take a few questions. Could you let me know who I should talk to?",
    ),
    (
        "Telecom Daily Wire",
        "telecomwire.test",
        "Correspondent",
        "Request for comment: outage on {date2}",
        "We are reporting on the multi-state outage on {date2}. Can {short} confirm the cause, how many "
        "customers were affected and whether customers will receive a credit? We plan to publish this "
        "afternoon.",
    ),
)

LEGAL = (
    "Hargrove & Pell LLP",
    "hargrovepell.example",
    "Eleanor Hargrove",
    "Notice of Claim - {client} v. {company} - Our File No. HP-{file_no}",
    "Re: Notice of Claim on behalf of {client}\n\n"
    "Dear Mr. {exec_last}:\n\n"
    "This firm represents {client} of {town}, {state} in connection with the unauthorized transfer of "
    'our client\'s mobile telephone number on or about {date1} (the "Port-Out Incident"). As a direct '
    "result of the Port-Out Incident, unknown third parties obtained access to our client's financial "
    "accounts and withdrew {big_amount} before the accounts could be frozen.\n\n"
    "Our client reported the incident to {company} on the same day and was assured that the matter "
    "would be investigated. No investigation report, explanation or compensation has been provided in "
    "the weeks since.\n\n"
    "Please accept this letter as formal notice of our client's claim against {company} for negligence "
    "and for violations of 47 U.S.C. § 222 and applicable state consumer protection law. We demand that "
    "you (1) preserve all records, call logs, store video and communications relating to our client's "
    "account from {month1} to the present; and (2) contact the undersigned within fourteen (14) days of "
    "the date of this letter to discuss resolution.\n\n"
    "Absent a timely response, we are instructed to file suit without further notice.\n\n"
    "A copy of this letter is attached and has also been sent by certified mail to your registered "
    "agent.\n\n"
    "Very truly yours,\n\n{lawyer}\nHargrove & Pell LLP\n1200 Commerce Street, Suite 900\n"
    "Dallas, TX 75202\nTel. (214) 555-0164",
)

INVESTOR = (
    (
        "Dividend",
        "I've held {company} shares since the spin-off and I rely on the dividend in retirement. "
        "The last earnings call was vague about whether it will be maintained next year. Can you say "
        "anything more definite to a small shareholder?",
    ),
    (
        "Question for the annual meeting",
        "I will not be able to attend the annual meeting in person. Could "
        "my question be read out: why was the buyback increased while customer care headcount was cut?",
    ),
    (
        "Meeting request - Harbor Point Capital",
        "I'm an analyst at Harbor Point Capital; we hold a position "
        "in {company}. We would value 30 minutes with you or the CFO during the Chicago investor conference "
        "next month to discuss capital allocation and the fibre strategy.",
    ),
    (
        "My 401(k)",
        "I worked for {company} for 23 years. Most of my retirement is in company stock and it "
        "has lost a third of its value since spring. Is there anything you can tell retired employees about "
        "the outlook?",
    ),
    (
        "Shareholder proposal",
        "As a shareholder of record, I intend to submit a proposal for next year's "
        "proxy asking the board to report on customer complaint volumes. Could you tell me the correct "
        "address and deadline for submission?",
    ),
)

JOBS = (
    (
        "Application - Network Operations Engineer",
        "I am a network engineer with seven years at a regional "
        "carrier in {state_name}, most recently leading RAN optimization for 600 sites. I'd love to bring that "
        "experience to {company}. My CV is attached.",
    ),
    (
        "Internship inquiry",
        "I'm a junior studying electrical engineering at Ohio State. I've applied to "
        "three internships on your careers page and never heard back, so I thought I'd try writing to you. "
        "I'm attaching my resume in case it helps.",
    ),
    (
        "Returning to work",
        "I spent eleven years in retail management before taking time off to care for "
        "my parents. I'd like to come back as a store manager, and {short} has always been the company I "
        "wanted to work for. I hope you don't mind me writing directly.",
    ),
    (
        "Veteran seeking opportunity",
        "I'm leaving the Army after 12 years as a signal officer. I hold a "
        "Secret clearance and have managed tactical communications networks. Is there anyone at {company} "
        "I could speak with about roles in network operations?",
    ),
)

SALES = (
    (
        "CX Insight AI",
        "cxinsight.example",
        "Cut customer complaints 40% with AI - 15 min?",
        "Hi {exec_first},\n\nLeading carriers use CX Insight AI to predict which customers will churn before "
        "they call. Our platform reduced complaint volume by 40% at a top-10 telecom.\n\nDo you have 15 "
        "minutes next Tuesday or Wednesday?",
    ),
    (
        "Brightline Consulting",
        "brightline-consult.test",
        "Re: your customer experience transformation",
        "{exec_first} -\n\nFollowing up on my note from last week (below). We help telecoms transform their "
        "contact centres in 90 days. Happy to send over a case study.\n\nBest,",
    ),
    (
        "Gala for Kids Foundation",
        "galaforkids.example",
        "Invitation to sponsor our annual gala",
        "Dear Mr. {exec_last},\n\nOn behalf of the Gala for Kids Foundation I am delighted to invite "
        "{company} to be a Platinum Sponsor of our 12th Annual Gala on November 14. Sponsorship starts at "
        "$25,000 and includes a table for ten.",
    ),
    (
        "TowerLease Partners",
        "towerlease.example",
        "Site acquisition partnership",
        "Mr. {exec_last},\n\nTowerLease Partners controls over 2,000 rooftop and ground sites in the Midwest. "
        "We'd like to present a portfolio agreement that could accelerate your 5G build.",
    ),
    (
        "Summit Executive Events",
        "summitexec.test",
        "Speaking slot: Telecom Leaders Summit",
        "Dear {exec_first},\n\nWe'd be honoured to have you keynote the Telecom Leaders Summit in Austin. "
        "Speakers receive complimentary passes for three colleagues. The speaking package is $12,500.",
    ),
    (
        "PrintPro Direct",
        "printprodirect.example",
        "Quote for your retail signage",
        "Hello,\n\nWe print in-store signage for retail chains at 30% below typical agency rates. Can I send "
        "you a quote for your holiday campaign?",
    ),
    (
        "DataVault Leads",
        "datavaultleads.test",
        "Verified CTO contact list",
        "Hi,\n\nWould you be interested in a verified list of 45,000 telecom decision-makers with direct "
        "e-mails? Sample attached on request.",
    ),
    (
        "Northshore Little League",
        "northshorell.example",
        "Sponsorship request",
        "Dear Mr. {exec_last},\n\nI coach the Northshore Little League in {town}. We're looking for a sponsor "
        "for new uniforms for our 14 teams. Any support would mean a lot to these kids.",
    ),
)

SPAM = (
    (
        "Congratulations! You have been selected",
        "winners@promo-rewards.test",
        "Dear Valued Customer,\n\nYour e-mail was selected in our international draw and you have won "
        "$1,500,000.00 USD. To claim, reply with your full name, address and bank details.\n\nClaims agent,\n"
        "Mr. Howard Bright",
    ),
    (
        "Invoice #INV-58302 overdue",
        "billing@accts-payable.test",
        "Please find attached the overdue invoice. Kindly process the payment today to avoid service "
        "interruption.\n\nAccounts Department",
    ),
    (
        "Rank #1 on Google for {domain}",
        "seo@topranker.example",
        "Hello Sir/Madam,\n\nI was checking your website and noticed it is not ranking well for many important "
        "keywords. We can put you on page 1 in 30 days. Reply for a free audit.",
    ),
    (
        "Your mailbox is almost full",
        "admin@mail-quota-alert.test",
        "Your mailbox has exceeded its storage limit. Click here to validate your account or you will stop "
        "receiving messages: http://mail-quota-alert.test/validate",
    ),
    (
        "Exclusive: 3 stocks set to explode",
        "news@stockpicks-daily.example",
        "This week's picks are in. Our last alert rose 340% in two weeks. Don't miss out.",
    ),
    (
        "Urgent business proposal",
        "barrister.okon@privatemail.test",
        "Dear Friend,\n\nI am Barrister James Okon, personal attorney to a late client who shares your surname. "
        "I seek your consent to present you as next of kin to claim the sum of $8.7 million.",
    ),
    (
        "Weekly Telecom Digest - 14 stories",
        "digest@telecomnewsletter.example",
        "This week: spectrum auction results, a new satellite-to-phone partnership, and why churn is rising "
        "among prepaid users. Read online: https://telecomnewsletter.example/issue/212\n\nYou are receiving "
        "this because you subscribed. Unsubscribe: https://telecomnewsletter.example/unsub",
    ),
)

ABUSIVE = (
    "you people are a JOKE",
    "Hey {exec_first},\n\nyour useless company cut off my phone AGAIN while I was on the line with my "
    "bank. You and your overpaid idiots in customer care are the worst thing that ever happened to this "
    "town. I hope you lose every customer you have and your stock goes to zero. Go to hell.\n\nfix my "
    "damn phone",
)

# (language, subject, body, sign-off) written as native speakers would write them
FOREIGN = (
    (
        "es",
        "Cobro indebido en mi factura",
        "Estimado señor {exec_last}:\n\nLe escribo porque desde {month_es} me están cobrando {amount2} al mes "
        "por un seguro de teléfono que nunca contraté. He llamado tres veces al servicio al cliente y siempre "
        "me dicen que lo van a quitar, pero el cargo sigue apareciendo.\n\nSoy cliente de {short} desde hace "
        "{years} años y nunca había tenido un problema así. Le pido por favor que alguien revise mi cuenta y "
        "me devuelva lo que me han cobrado de más.\n\nAtentamente,",
    ),
    (
        "es",
        "No tengo señal en mi casa",
        "Buenas tardes,\n\nvivo en {town} y desde hace dos semanas no tengo señal dentro de la casa. Mi mamá "
        "tiene 84 años y vive conmigo; si le pasa algo no podemos llamar a nadie. En la tienda me dijeron que "
        "es un problema de la antena y que no saben cuándo lo van a arreglar.\n\nPor favor, ¿me pueden ayudar? "
        "Ya no sé a quién más escribir.\n\nGracias,",
    ),
    (
        "es",
        "Felicitaciones a su empleada",
        "Señor {exec_last}, quiero felicitar a la señorita {agent} de la tienda de {town}. Me ayudó con mucha "
        "paciencia a pasar todas mis fotos al teléfono nuevo y me explicó todo en español. ¡Así da gusto!\n\n"
        "Un saludo cordial,",
    ),
    (
        "de",
        "Roaming-Gebühren trotz Reisepaket",
        "Sehr geehrter Herr {exec_last},\n\nich bin beruflich zwischen Chicago und Frankfurt unterwegs und "
        "habe vor meiner letzten Reise das Reisepaket gebucht. Trotzdem wurden mir {amount} an "
        "Roaming-Gebühren berechnet. Die Bestätigung per SMS liegt mir vor.\n\nIch bitte Sie, die Gebühren zu "
        "erstatten. Sollte das nicht möglich sein, werde ich meinen Vertrag kündigen.\n\nMit freundlichen "
        "Grüßen",
    ),
    (
        "de",
        "Beschwerde: Kundendienst",
        "Guten Tag,\n\nich habe dreimal beim Kundendienst angerufen, um meinen Vertrag zu kündigen, und wurde "
        "jedes Mal weiterverbunden und dann getrennt. Ich möchte meinen Vertrag zum Monatsende kündigen und "
        "bitte um eine schriftliche Bestätigung.\n\nFreundliche Grüße",
    ),
    (
        "fr",
        "Problème de facturation",
        "Monsieur {exec_last},\n\nJe me permets de vous écrire directement car mon problème n'est toujours pas "
        "résolu après deux mois. On m'a facturé {amount} pour un téléphone que j'ai retourné en magasin le "
        "{date1}. J'ai le reçu du magasin.\n\nPourriez-vous demander à quelqu'un de vérifier mon dossier ? Je "
        "vous remercie d'avance.\n\nVeuillez agréer, Monsieur, l'expression de mes salutations distinguées.",
    ),
    (
        "fr",
        "Couverture réseau à {town}",
        "Bonjour,\n\nJe suis étudiante à {town} depuis la rentrée et le réseau ne fonctionne presque jamais "
        "dans ma résidence universitaire. Je paie un forfait illimité mais je ne peux même pas envoyer un "
        "message. Est-ce qu'une amélioration est prévue ?\n\nMerci et bonne journée,",
    ),
    (
        "fr",
        "Merci",
        "Bonjour Monsieur {exec_last},\n\nUn petit mot pour remercier votre technicien qui est venu samedi "
        "réparer notre box internet. Très professionnel et très gentil avec nos enfants.\n\nCordialement,",
    ),
)

MONTHS_ES = {
    "January": "enero",
    "February": "febrero",
    "March": "marzo",
    "April": "abril",
    "May": "mayo",
    "June": "junio",
    "July": "julio",
    "August": "agosto",
    "September": "septiembre",
    "October": "octubre",
    "November": "noviembre",
    "December": "diciembre",
}

FOREIGN_NAMES = {
    "es": (("María", "González"), ("José Luis", "Ramírez"), ("Guadalupe", "Hernández"), ("Jorge", "Peña")),
    "de": (("Stefan", "Krüger"), ("Andrea", "Müller-Lang")),
    "fr": (("Amélie", "Lefèvre"), ("Thérèse", "Dubois"), ("Jean-François", "Roy")),
}
