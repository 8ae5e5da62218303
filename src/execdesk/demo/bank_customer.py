"""What customers write about, in parts: situations per topic, attempts, stakes, threats, asks.

A message is assembled from one part of each kind, each filled with freshly drawn details,
so that a hundred complaints share no fixed template. Placeholders are the keys of
``details.details``.
"""

from __future__ import annotations

SITUATIONS: dict[str, tuple[str, ...]] = {
    "billing": (
        "My bill for {month1} was {amount}. My plan is {plan} at {monthly} a month. Nobody can tell me where "
        "the difference comes from.",
        "You charged my card twice on {date2}, {amount2} each time. The bank shows both payments, your app shows one.",
        "When I switched to {plan} in {month1} the rep promised me a $10 monthly loyalty credit for 24 "
        "months. It showed up once and then disappeared.",
        "I cancelled the device protection on my {device} in {month1}. I am still paying {amount2} a month for it.",
        "My autopay failed on {date2} because your website was down, and you charged me a {fee} late fee on top of it.",
        "I was charged {amount} in international roaming for a weekend trip to Toronto, even though I added "
        "the travel pass before I left. I have the confirmation text.",
        "Your trade-in promotion said I would get $800 in credits for my old phone. I sent it in on {date1} "
        "and I have received exactly nothing.",
        'My monthly bill went from {monthly} to {new_monthly} without a word of warning. The "price lock" '
        "I was sold apparently doesn't lock anything.",
        'There is a charge of {amount2} a month for "Premium Visual Voicemail". I never asked for it and '
        "I don't even know what it is.",
        "After I closed my account on {date1} you kept billing me, and now a collection agency is calling "
        "about {amount}.",
        "I'm on {plan} with {lines} lines. This month every line was billed as if it had no "
        "multi-line discount, {amount} in total.",
        "You promised me a prorated final bill. Instead I got a bill for a full month plus a {fee} "
        '"account closing" fee I was never told about.',
    ),
    "service": (
        "Since {date2} I have no signal at all inside my house on {street}. I have to stand in the driveway "
        "to make a call.",
        "We had no service for {days_out} days after the storm. Not slow service: none. Nobody told us "
        "anything and the outage map said everything was fine.",
        "Calls drop constantly on my commute, always at the same place on the interstate. It has been "
        "like this since {month1}.",
        "My data speed at home has fallen to almost nothing. Speed tests show under 1 Mbps on a {plan} "
        "plan that is supposed to be unlimited.",
        "Your Home Internet gateway disconnects several times an evening. I work from home and I've lost "
        "two video calls with clients this week alone.",
        "Wi-Fi calling stopped working on my {device} after the last update, and the house has no cell "
        "signal, so in practice I don't have a phone.",
        "Text messages arrive hours late, sometimes the next day. My daughter's school sends alerts by "
        "text, and I got the early dismissal notice after school was over.",
        "The coverage map on your website shows {town} as excellent 5G. In reality my phone shows one bar "
        "of LTE downtown.",
        "Every afternoon between about 4 and 7 the network in our neighbourhood simply stops working. Data "
        'won\'t load and calls fail with "call failed".',
        "I pay for {plan} with hotspot included, but the hotspot has been throttled to unusable speeds "
        "after only {gb} GB.",
    ),
    "product": (
        "The {device} I bought from you on {date1} reboots by itself several times a day. The store says "
        'it is "a software thing" and sends me home.',
        "My {device} arrived with a cracked screen. The replacement arrived with a dead battery. I am now "
        "on my third phone in a month.",
        "I ordered a {device} (order {order_no}) on {date1}. It still hasn't shipped and nobody can tell me "
        "where it is, but I am already paying for it on my bill.",
        "The battery on my {device} is swelling. The back cover has lifted off. I'm frankly afraid to charge "
        'it overnight, and the store told me to "make an appointment".',
        "I sent my {device} in for repair under warranty on {date1}. It's been weeks. Nobody can tell me "
        "where it is and I am using an old phone with a cracked screen.",
        "Your Hotspot X2 overheats and shuts off after twenty minutes. I've been through two of them.",
        "My phone is still locked to your network even though it has been paid off since {month1}. I need "
        "to travel and I can't use a local SIM.",
        'The {device} you sold me as "new" had someone else\'s photos on it. That is not a new phone.',
    ),
    "pricing": (
        "You raised the price of my {plan} plan by $5 a line. That's {new_monthly} a month now for the same service.",
        "I was sold {plan} as having no hidden fees. My first bill had four different fees I had never heard of.",
        "New customers are offered the same plan I have for half of what I pay. After {years} years that "
        "feels like a penalty for loyalty.",
        'The 55+ plan was advertised to me at $55 for two lines. After taxes and "regulatory recovery" '
        "it is almost $80.",
    ),
    "support": (
        "I have called customer care {n_calls} times. The last call I was on hold for {minutes} minutes "
        "before being disconnected.",
        "At the {store} the staff told me they couldn't help with billing and to call the 800 number. The "
        "800 number told me to go to the store.",
        "A rep named {agent} promised to call me back within 24 hours on {date2}. Nobody ever called.",
        "Your chat agent closed my chat in the middle of a sentence. Twice. The survey afterwards asked me "
        "if my issue was resolved.",
        "I was transferred seven times on {date2}. Each new person asked for my account PIN again and then "
        "sent me to someone else.",
        'The manager at the {store} was rude to my elderly mother and told her she was "wasting his time".',
        "I've been given {n_calls} different ticket numbers for the same problem. The latest is {ticket}.",
    ),
    "account": (
        'I have been trying to cancel my account since {date1}. Every time I call, someone "transfers me '
        'to retention" and the call drops.',
        "Someone ported my number out to another carrier without my permission on {date2}. They got into "
        "my bank account within an hour.",
        "My husband passed away in {month1}. I have sent the death certificate three times and you keep "
        "billing his line and asking to speak to him.",
        "You are charging me an early termination fee of {etf} even though your rep told me in writing "
        "that it would be waived.",
        "I asked for my port-out PIN four times. The app gives an error, and the store says they cannot generate one.",
        "A line was added to my account that I never ordered, with a {device} financed in my name.",
    ),
    "privacy": (
        'I received a letter saying my personal information was exposed in a "security incident". It '
        "doesn't say what was taken or what you are doing about it.",
        "Somebody at one of your stores gave my ex-husband access to my account, including my call records. "
        "I have a protective order.",
        "Since I gave my number to your store I get a dozen spam calls and texts a day, several of them "
        "using my full name.",
        "My account was taken over in a SIM swap. Someone walked into a store with a fake ID and your staff "
        "gave them a new SIM for my number.",
        "Your marketing texts keep coming even though I replied STOP {n_calls} times.",
    ),
}

OPENERS = (
    "I have been a {company} customer for {years} years.",
    "I'm writing as a customer of {years} years, with {lines} lines on a {plan} plan.",
    "I've never written to a CEO before.",
    "I'm sorry to bother you directly, but I have tried everything else.",
    "I'll keep this short because I know you're busy.",
    "My name is {name} and I live in {place}.",
    "I have been with {short} since it was still the old company, so {years} years at least.",
    "This is my last attempt before I give up on {company} altogether.",
    "My family has {lines} lines with you and we have always paid on time.",
    "I found your address online after getting nowhere with customer service.",
    "",
    "",
    "",
)

ATTEMPTS = (
    "I have called {n_calls} times and spent well over {minutes} minutes on hold in total.",
    "I went to the {store} twice. They told me only customer care could fix it.",
    "Your agent {agent} told me on {date3} that it was fixed. It was not.",
    "I have a ticket number ({ticket}) and nothing else to show for it.",
    'Every call ends with "a supervisor will call you back in 24 to 48 hours". No supervisor has ever called.',
    "Customer care says it's the store's fault, the store says it's customer care's fault.",
    "I've explained this to at least {n_calls} different people. Nobody reads the notes on my account.",
    "Last time I spent {minutes} minutes in the chat, only to be told to call.",
    "I was promised a credit on {date3}. It never appeared.",
    "The store manager gave me a direct number to call. It goes to voicemail, and the voicemail is full.",
    "On {date3} I waited {minutes} minutes, got a person, explained everything, and was cut off.",
    'Your app says "we\'re working on it" and has said so since {month1}.',
    'I\'ve escalated through the app, the chat and the store. Case {case_no} is still "in review".',
    "A supervisor named {agent} finally agreed it was your mistake and said it would be handled. Then nothing.",
    'Twice I was told to "just wait for the next bill". I\'ve now waited for three.',
    "",
    "",
)

# Long letters often walk through the history, dated.
TIMELINES = (
    "Here is the history so far:\n- {date1}: first call, {minutes} minutes on hold, promised a fix within "
    "48 hours.\n- {date2}: went to the {store}; they told me to call.\n- Yesterday: called again, got ticket "
    '{ticket}, and was told someone would "reach out".',
    "To save everyone time, the short version: I first reported this on {date1}. I called again on {date2} and "
    "was told it had been escalated. When I called this week there was no record of any escalation, and I had "
    "to start from the beginning with someone new.",
    "I've kept notes. {date1}: chat with an agent who promised a callback. {date2}: a call with {agent}, who "
    'said the fix was "in the system". Since then: nothing, except another bill.',
    "Timeline, in case it helps whoever reads this: the problem started around {date1}. I reported it the "
    "same week. On {date2} a technician was scheduled and never came. The appointment simply vanished from "
    "the app.",
)

STAKES = (
    "I am not a rich person and {amount} matters.",
    "I run a small business from my phone and I can't afford to be unreachable.",
    "Frankly I expected better after all these years.",
    "It's not about the money anymore; it's that nobody takes responsibility.",
    "I feel like I'm being punished for being a loyal customer.",
    "I'm tired of being told to wait.",
    "This has taken hours of my life I won't get back.",
    "I've recommended {short} to friends for years. I'm embarrassed about that now.",
    "My patience ran out somewhere around the fourth phone call.",
    "Honestly I would have left already if switching weren't such a hassle.",
    "I shouldn't have to write to the CEO to get a bill corrected.",
    "What bothers me most is being told something different by every person I talk to.",
    "",
    "",
    "",
)

VULNERABLE = (
    "I'm 71, I live alone, and I don't have the energy for this. The phone is how my children check on me.",
    "My {relative} is {age} and lives alone. {rel_pron_cap} relies on this phone to call for help, and "
    "right now it doesn't work.",
    "I rely on my phone for my heart monitor, which sends readings to my cardiologist over your network. "
    "When the network drops, those readings don't arrive.",
    "I lost my job in {month1} and I'm trying hard to keep up with bills. A surprise charge like this "
    "means I can't pay something else.",
    "I'm disabled and can't stand in line at a store for an hour. The phone is my link to everything.",
    "I'm a single mom with two kids and I need my phone to work for their school and their doctors.",
    "I just finished chemotherapy and I do not have the energy to spend afternoons on hold.",
    "My {relative} has dementia and the phone's location sharing is how we keep {rel_obj} safe.",
)

THREATS: dict[str, tuple[str, ...]] = {
    "legal": (
        "If this is not resolved by the end of the month I will take you to small claims court.",
        "I have spoken to a lawyer and I am prepared to sue.",
        "My attorney has advised me to keep every record, and I am doing so.",
    ),
    "regulator": (
        "I have already filed a complaint with the FCC and I'll file one with the BBB too.",
        "If I don't hear back within a week, I'm filing a complaint with the FCC and the state attorney general.",
        "I have opened a case with the Better Business Bureau.",
    ),
    "public": (
        "I'm going to post this whole story on Facebook and Twitter, with screenshots.",
        "I will be posting about this in every local group I'm in and on Reddit.",
        "I have already written a review and I will update it with whatever you do next.",
    ),
    "churn": (
        "If this isn't fixed I will move all {lines} lines to {competitor}.",
        "I'm ready to port out to {competitor} and pay the fees just to be done with you.",
        "After {years} years, I am cancelling unless someone actually fixes this.",
    ),
}

ASKS = (
    "Please have someone who can actually fix this contact me.",
    "Could someone from your office look into it and call me at {phone}?",
    "I would appreciate a call from someone with the authority to fix it.",
    "Please fix it. That is all I'm asking.",
    "Can you please make sure someone follows through this time?",
    "I'd like an explanation and an apology, in that order.",
    "What are you going to do about it?",
    "I'd appreciate an answer from a real person, not a form letter.",
    "Please ask someone to review my account and tell me in writing what happened.",
    "All I want is for this to be sorted out once, properly.",
    "If you can't fix it, at least tell me so honestly.",
    "My number is {phone}; any weekday after 3 works.",
)

TOPIC_ASKS: dict[str, tuple[str, ...]] = {
    "billing": (
        "I'd like the charge removed and a written confirmation.",
        "I want a refund of {amount}, nothing more and nothing less.",
        "Please credit my account and stop the charge from coming back.",
    ),
    "service": (
        "I'm asking for a credit for the days without service.",
        "Please send a technician, or tell me honestly that you won't fix it.",
        "I need to know when this will be fixed.",
    ),
    "product": (
        "I want a replacement device that works, or my money back.",
        "Please replace the phone. I'm not paying for a device that doesn't work.",
        "Tell me where my phone is.",
    ),
    "pricing": ("Honour the price I was sold, please.", "I'd like to be moved to the plan new customers get."),
    "support": (
        "I would like one person to own this until it is fixed, and to call me back.",
        "Please make sure your staff learn to treat people with respect.",
    ),
    "account": (
        "Please let me cancel without the fee, as I was promised.",
        "Close the account today and send me confirmation in writing.",
        "I need this fixed before more money disappears.",
    ),
    "privacy": (
        "Tell me exactly what was exposed and what you are doing about it.",
        "I want written confirmation that nobody else can access my account.",
    ),
}

GREETINGS = (
    "Dear Mr. {exec_last},",
    "Mr. {exec_last},",
    "Dear Mr. {exec_last}",
    "Hello,",
    "Hi,",
    "Dear Sir,",
    "To whom it may concern,",
    "Dear CEO,",
    "Good morning Mr. {exec_last},",
    "Hello Mr. {exec_last},",
    "{exec_first},",
    "Dear Mr. {exec_first} {exec_last},",
    "",
    "",
)

CLOSINGS = (
    "Thank you for your time.",
    "Thanks in advance.",
    "I look forward to your reply.",
    "Regards,",
    "Sincerely,",
    "Thank you,",
    "Best regards,",
    "Respectfully,",
    "Thanks,",
    "Hoping to hear from you,",
    "A very frustrated customer,",
    "",
)

# Subjects that fit any letter on the topic...
SUBJECTS: dict[str, tuple[str, ...]] = {
    "billing": (
        "Billing error",
        "Overcharged AGAIN",
        "Wrong charges on my bill",
        "refund",
        "Please look at my bill",
        "Charges I never agreed to",
        "Billing problem - account {account}",
        "bill question",
    ),
    "service": (
        "Network problems",
        "no service",
        "Coverage in {town}",
        "Your network",
        "Service problem",
        "Still no fix",
    ),
    "product": ("My phone", "Device problem", "Problem with my {device}", "Your phones"),
    "pricing": ("Price increase", "Hidden fees", "Loyalty?", "Your new prices", "Plan pricing"),
    "support": ("Customer service", "Terrible customer service", "Your support", "Need help", "Nobody helps"),
    "account": ("My account", "Account problem", "Please help with my account"),
    "privacy": ("Privacy", "My personal information", "Security of my account"),
}

# ...and subjects a writer gives when the situation is specific (first matching phrase wins).
SUBJECT_HINTS: tuple[tuple[str, str], ...] = (
    ("charged my card twice", "Double charge"),
    ("loyalty credit", "Credit never applied"),
    ("late fee", "Late fee that isn't my fault"),
    ("roaming", "Roaming charges"),
    ("trade-in", "Trade-in credit"),
    ("collection agency", "Billed after I cancelled"),
    ("no signal", "No signal at home"),
    ("no service for", "Service down {days_out} days"),
    ("calls drop", "Dropped calls"),
    ("Home Internet", "Home Internet keeps disconnecting"),
    ("Wi-Fi calling", "Wi-Fi calling"),
    ("Text messages arrive", "Texts arriving hours late"),
    ("coverage map", "Coverage in {town}"),
    ("speed", "Terrible data speeds"),
    ("swelling", "Swollen battery - safety issue"),
    ("hasn't shipped", "Order {order_no} never shipped"),
    ("for repair", "Warranty repair"),
    ("still locked", "Phone still locked"),
    ("on hold for", "On hold for {minutes} minutes"),
    ("call me back", "No callback"),
    ("manager at the", "Store experience"),
    ("trying to cancel", "Cancel my account"),
    ("ported my number", "Unauthorized port out"),
    ("passed away", "Account of my late husband"),
    ("early termination fee", "Early termination fee"),
    ("port-out PIN", "Port-out PIN"),
    ("financed in my name", "Fraud on my account"),
    ("security incident", "Data breach letter"),
    ("SIM swap", "SIM swap fraud"),
    ("spam calls", "Spam texts"),
    ("STOP", "STOP means stop"),
)

REQUESTS = (
    (
        "account",
        "Unlocking my phone",
        "My {device} has been paid off since {month1}. Could you tell me how to get it unlocked? I am moving "
        "abroad for work next month.",
    ),
    (
        "account",
        "Copy of my contract",
        "I need a copy of the contract I signed in the {store} on {date1} for a dispute with my bank. The "
        "store says they don't keep them. Who does?",
    ),
    (
        "support",
        "Accessibility",
        "I am deaf. Is there a way to reach customer care other than by phone? The chat never connects to a "
        "person for me.",
    ),
    (
        "other",
        "Phones for our school",
        "I teach at a middle school in {town}. Does {company} have a program that donates refurbished phones "
        "or hotspots for students who have no internet at home?",
    ),
    (
        "account",
        "Account of my late father",
        "My father passed away last month. I need to transfer his number to my name so we can keep his "
        "voicemail greeting. What do I need to send, and to whom?",
    ),
    (
        "service",
        "Coverage before I move",
        "We are moving to a farm outside {town}, {state}. Before we sign anything, can someone tell me "
        "honestly whether your network reaches {street}?",
    ),
    (
        "pricing",
        "Military discount",
        "I'm a veteran. Your website mentions a military discount but the store had never heard of it. How do I apply?",
    ),
    (
        "other",
        "Meeting request",
        "I'm the mayor's chief of staff in {town}. The city would like to discuss a new tower site near the "
        "fairgrounds. Who is the right person to talk to?",
    ),
    (
        "billing",
        "Itemised bill",
        "Could I get an itemised bill for {month1}? I need it for my taxes and the app only shows totals.",
    ),
    (
        "privacy",
        "My data",
        "Under your privacy policy I would like a copy of the personal data you hold about me, and to opt "
        "out of any sale or sharing of it.",
    ),
    (
        "product",
        "Repair status",
        "Could someone tell me the status of repair order {order_no}? I sent the phone on {date1}.",
    ),
    (
        "support",
        "Interpreter",
        "My parents speak Vietnamese and little English. Does your customer care offer an interpreter? They "
        "keep hanging up on them.",
    ),
)

PRAISE = (
    "I want to tell you about {agent} at the {store}. My {relative} came in confused about {rel_poss} bill "
    "and {agent} spent almost an hour with {rel_obj} patiently, and set up the phone too. Please make sure "
    "{agent}'s manager hears about it.",
    "After years of poor signal in {town}, the new tower has changed everything. I can finally make calls "
    "from my kitchen. Thank you to whoever made that happen.",
    "When the hurricane knocked out power, your team had a generator truck in our neighbourhood within a "
    "day. The phones worked when nothing else did.",
    "I wrote to you in {month1} about a billing problem, and someone from your office called me within two "
    "days and fixed it. I didn't expect that. Thank you.",
    "Your technician came out on a Sunday to fix our home internet and explained everything to my kids. "
    "That's the kind of service that keeps a customer.",
    "I just wanted to say that the 55+ plan has been a blessing for me and my husband on a fixed income.",
    "{agent} in customer care stayed on the line with me for {minutes} minutes until my number was "
    "transferred. Patient, kind, and she knew her stuff.",
    "The new app is a huge improvement. I paid my bill and changed my plan in two minutes.",
)

SUGGESTIONS = (
    "Why not let customers choose a callback time instead of waiting on hold? Your competitors do it.",
    "Please put the outage map on the app's home screen and make it honest. It would save your call "
    "centre thousands of calls.",
    "Offer a plan for people who barely use data. My {relative} pays for unlimited and uses 1 GB a month.",
    "Let store staff see billing. Sending customers from the store to the phone and back is a waste of "
    "everyone's time.",
    "Send a text when a promised credit is applied. Half of the calls about credits would disappear.",
    "Train the chat agents to read the whole conversation before answering. I had to repeat myself {n_calls} times.",
    "Give a small credit automatically after an outage longer than a day. People remember that kind of thing.",
    "Please add an option to receive paper bills in large print. My {relative} can't read the current ones.",
    'Your stores could host a monthly "phone help" morning for seniors. We would come.',
)

# What a client appends under the text, keyed by the start of its name.
CLIENT_SIGNATURES = {
    "iPhone Mail": "Sent from my iPhone",
    "K-9 Mail": "Sent from my Android device with K-9 Mail.",
}
