"""The words of the everyday-review grammar (data): polar adjectives and phrases per
domain, degrees, negated forms, and the opinion words that make a sentence evaluative."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split("|") if w.strip())


# Polar adjectives that fit any domain ("the service was excellent", "great phone").
GENERAL = {
    1: _words(
        "great|excellent|amazing|awesome|fantastic|wonderful|perfect|good|nice|lovely|"
        "outstanding|superb|brilliant|impressive|incredible|terrific|fabulous|solid|"
        "top notch|first class|flawless|exceptional|pleasant|enjoyable|fun|"
        "the best|really good|very good|so good|pretty good|decent|cool|great value|"
        "a delight|a pleasure|a gem|a winner|phenomenal|spectacular|marvelous|stellar|"
        "worth it|worth every penny|worth the money|well worth it|exactly what I needed|"
        "beyond my expectations|better than expected|satisfying|remarkable|splendid"
    ),
    -1: _words(
        "terrible|awful|horrible|bad|poor|disappointing|mediocre|lousy|pathetic|dreadful|"
        "atrocious|useless|worthless|a joke|a disaster|a mess|a waste of money|"
        "a waste of time|a letdown|a rip-off|the worst|really bad|very bad|so bad|"
        "pretty bad|subpar|unacceptable|frustrating|annoying|horrendous|abysmal|"
        "crap|garbage|trash|rubbish|overrated|overpriced|not worth it|"
        "not worth the money|worse than expected|a huge disappointment|sad|inferior|"
        "ridiculous|shameful|a nightmare|painful|weak"
    ),
}
# Subjects, domain words and the adjectives that fit them.
DOMAINS = {
    "film": {
        "subjects": _words(
            "the movie|this movie|the film|this film|the show|this show|the series|the "
            "acting|the plot|the story|the ending|the script|the cast|the soundtrack|this "
            "book|the book|the sequel|the characters|the dialogue|the special effects|the "
            "direction|the performances|the first season|the episode|this documentary|it"
        ),
        "nouns": _words("movie|film|show|series|book|cast|story|acting|script|sequel|read"),
        1: _words(
            "hilarious|funny|moving|touching|gripping|captivating|clever|beautiful|"
            "charming|heartwarming|brilliantly acted|well written|well acted|entertaining|"
            "engaging|powerful|stunning|thrilling|fresh|original|smart|inspiring|"
            "must-see|unforgettable|a masterpiece|a classic|a must-see|a page-turner"
        ),
        -1: _words(
            "boring|dull|predictable|slow|tedious|pointless|stupid|lame|forgettable|"
            "unwatchable|cheesy|poorly acted|badly written|confusing|painful to watch|"
            "a snooze|long and boring|flat|lifeless|pretentious|cringe|clichéd|"
            "a bore|a flop|unfunny|too long|a chore to read|a mess"
        ),
        "positive_phrases": _words(
            "I would recommend it to anyone|I'd recommend this movie to everyone|"
            "I loved every minute of it|I laughed the whole way through|I could watch it "
            "again and again|it kept me on the edge of my seat|I couldn't put it down|"
            "I cried at the end, in a good way|a must see|go see it|two thumbs up|"
            "I can't wait for the sequel|it blew me away|I was hooked from the first "
            "episode|the whole family loved it|one of the best films I've seen this year|"
            "we watched it twice|the acting is superb|I'd watch it again"
        ),
        "negative_phrases": _words(
            "I wouldn't recommend it to anyone|I would not recommend this movie|"
            "I fell asleep halfway through|we walked out after an hour|I want those two "
            "hours back|I stopped watching after ten minutes|skip this one|don't bother|"
            "I couldn't finish it|I kept checking my watch|the worst movie I've ever "
            "seen|save your money|the plot makes no sense|nothing happens for two hours|"
            "I gave up after three chapters|the jokes fall flat|total waste of two hours|"
            "what a waste of a great cast"
        ),
        "context": _words(
            "I watched it last night|we saw it on Friday|I read it on holiday|my wife "
            "picked it|I saw the trailer first|we streamed it at home|I watched it with "
            "my kids|it is based on a true story|it runs about two hours|I read the "
            "reviews before going|it came out last year|I watched the whole season"
        ),
    },
    "product": {
        "subjects": _words(
            "the phone|this phone|the battery|the charger|this case|the headset|these "
            "headphones|the sound quality|the screen|the camera|this product|the "
            "keyboard|the blender|the vacuum|the speaker|the cable|the quality|this item|"
            "the fit|the material|the build quality|the printer|the laptop|the mouse|"
            "the price|the design|the software|the shoes|this jacket|it"
        ),
        "nouns": _words(
            "phone|product|case|headset|charger|item|purchase|quality|price|speaker|"
            "laptop|blender|vacuum|battery|buy|device|camera|keyboard"
        ),
        1: _words(
            "sturdy|reliable|comfortable|easy to use|well made|durable|fast|handy|"
            "lightweight|sleek|crisp|clear|loud and clear|convenient|affordable|cheap and "
            "good|a bargain|a great deal|good value|high quality|built to last|a steal"
        ),
        -1: _words(
            "flimsy|cheaply made|broken|defective|faulty|unreliable|uncomfortable|slow|"
            "noisy|fragile|junk|poorly made|unusable|buggy|laggy|overpriced|cheap "
            "plastic|too small|too tight|dead on arrival|a piece of junk|shoddy"
        ),
        "positive_phrases": _words(
            "works great|works perfectly|works like a charm|does exactly what it says|"
            "does the job|I would buy it again|highly recommend|five stars|10/10|"
            "exceeded my expectations|I use it every day|the battery lasts all day|"
            "arrived quickly|couldn't be happier|so glad I bought it|very happy with "
            "this purchase|best purchase this year|I bought a second one|fits perfectly|"
            "it still works great after a year|my kids love it|no complaints"
        ),
        "negative_phrases": _words(
            "I wouldn't recommend this product|would not recommend|I can't recommend it|"
            "stopped working after a week|broke after two days|doesn't work|does not "
            "work at all|I want my money back|I returned it|do not buy|don't waste your "
            "money|one star|fell apart after a month|the battery dies in an hour|it "
            "never charged|it keeps disconnecting|I had to send it back|the buttons "
            "stopped working|it overheats|it arrived broken|returned it the next day|"
            "zero stars if I could|I regret buying it|would not buy again|the "
            "instructions are useless|customer support never answered"
        ),
        "context": _words(
            "I bought it for my son|I ordered it last month|I got it on sale|I use it "
            "at work|it came in a small box|I have had it for three weeks|I bought two "
            "of them|it was a gift for my wife|I needed a new one|I ordered the black "
            "one|shipping took four days|I use it with my laptop"
        ),
    },
    "restaurant": {
        "subjects": _words(
            "the food|the service|our waiter|the waitress|the staff|the pizza|the "
            "burger|the pasta|the sushi|the coffee|the fries|the dessert|the "
            "atmosphere|this place|the portions|the salad|the steak|the breakfast|the "
            "menu|the chicken|the soup|the wine|the bread|the decor|the owner|the tacos|"
            "the meal|everything we ordered|the chef|it"
        ),
        "nouns": _words(
            "food|service|place|restaurant|pizza|burger|meal|coffee|spot|dinner|lunch|"
            "breakfast|staff|experience|atmosphere|bar|cafe"
        ),
        1: _words(
            "delicious|tasty|fresh|friendly|attentive|yummy|cozy|flavorful|mouthwatering|"
            "cooked to perfection|perfectly seasoned|generous|warm and welcoming|"
            "super friendly|quick|fast|hot and fresh|to die for|spot on|divine|"
            "reasonably priced"
        ),
        -1: _words(
            "bland|cold|stale|greasy|rude|slow|dirty|overcooked|undercooked|soggy|"
            "tasteless|inedible|disgusting|gross|burnt|dry|salty|unfriendly|"
            "overpriced|filthy|rubbery|lukewarm|watery|sloppy"
        ),
        "positive_phrases": _words(
            "I'd recommend this restaurant to anyone|we will definitely be back|"
            "will be back|I can't wait to go back|highly "
            "recommend this place|best pizza in town|everything was delicious|the "
            "staff made us feel at home|we loved everything|five stars|my new favorite "
            "spot|worth the wait|the portions are huge|we go every week|I'd come back "
            "just for the dessert|the best meal I've had in months|they went above and "
            "beyond"
        ),
        "negative_phrases": _words(
            "I wouldn't recommend this restaurant to anyone|can't recommend this place|"
            "we will never go back|never again|we waited an hour for our food|the food "
            "made me sick|avoid this place|we won't be back|I sent it back|they got our "
            "order wrong|we left hungry|the waiter ignored us|I found a hair in my food|"
            "the worst meal I've ever had|we had to ask three times for water|the "
            "manager didn't care|nobody came to our table for twenty minutes|way too "
            "expensive for what you get"
        ),
        "context": _words(
            "we went there for lunch|we came on a Friday night|it was my birthday|we "
            "were a group of six|I ordered the special|we sat outside|we booked a "
            "table for two|I came here with my parents|it was busy|we got takeout|"
            "I ordered the chicken|we had the set menu"
        ),
    },
    "service": {
        "subjects": _words(
            "the hotel|the room|the app|customer service|the delivery|the driver|the "
            "bed|the staff|the location|the update|the support team|the flight|the "
            "tour|the website|the instructor|the class|the course|the game|the guide|"
            "the shower|the check-in|the view|the pool|the technician|the company|it"
        ),
        "nouns": _words(
            "hotel|room|app|service|stay|experience|company|flight|course|game|tour|"
            "support|update|trip|airline|gym|shop|store"
        ),
        1: _words(
            "clean|spotless|comfortable|helpful|professional|quick|easy|smooth|"
            "intuitive|responsive|knowledgeable|polite|efficient|quiet|spacious|"
            "relaxing|addictive|well organized|on time|a lifesaver|user friendly"
        ),
        -1: _words(
            "dirty|noisy|unhelpful|rude|slow|crowded|confusing|buggy|unprofessional|"
            "cramped|smelly|disorganized|late|unresponsive|broken|a scam|useless|"
            "clunky|outdated|unsafe|shabby"
        ),
        "positive_phrases": _words(
            "I would recommend this hotel to anyone|I'd recommend them to a friend|"
            "I would stay here again|highly recommend|they fixed it in ten minutes|the "
            "staff went out of their way to help|I use it every day|worth every penny|"
            "we had a wonderful time|best hotel we've stayed in|the support team "
            "solved my problem right away|I learned so much|it made my life easier|"
            "five stars|would book again|everything went smoothly|they upgraded our "
            "room for free"
        ),
        "negative_phrases": _words(
            "I wouldn't recommend staying here|I would not recommend them|"
            "I will never stay here again|the app crashes every time I open it|I was "
            "on hold for an hour|they never refunded me|the room smelled of smoke|my "
            "package never arrived|they cancelled my flight without notice|I deleted "
            "it after a day|nobody answered my emails|the sheets were stained|avoid "
            "this company|would not book again|the update ruined it|they charged me "
            "twice|I want a refund|waste of money"
        ),
        "context": _words(
            "we stayed three nights|I booked it online|we flew in on Monday|I have "
            "used it for a month|I signed up last week|we were there in July|I called "
            "them on Tuesday|I downloaded it yesterday|we took the morning tour|I "
            "took the evening class|the hotel is near the station|I ordered on Sunday"
        ),
    },
}
DEGREES = ("", "", "", "very", "really", "so", "super", "absolutely", "truly", "quite")
# Negating an adjective of the other polarity ("not good" -> negative). For positive
# words this is how people pan things; "not bad" reads as mild praise.
NEGATED_FORMS = ("not {a}", "not {a} at all", "not very {a}", "not that {a}", "never {a}")
VERBS = ("is", "was", "is", "was", "are", "were")


# Words that make a sentence evaluative even when VADER's strongly polar words are absent.
OPINION_WORDS = frozenset(
    "not no never nothing nobody don't doesn't didn't isn't wasn't won't can't couldn't "
    "shouldn't wouldn't aren't weren't but like liked likes love loved loves hate hated "
    "hates enjoy enjoyed prefer want wanted wish hope hoped should must better best worse "
    "worst good bad well fine right wrong too very really please thank thanks sorry "
    "nice kind fun funny sad happy angry afraid glad favorite favourite".split()
)
