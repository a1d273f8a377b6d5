"""Sentence segmentation on the hard cases of real (and scraped) news text."""

from service.text.segmenter import split_sentences


def test_abbreviations_do_not_split() -> None:
    text = "He met Dr. Smith at No. 10 Downing St. in the U.S. on Monday. It went well."
    assert split_sentences(text) == ["He met Dr. Smith at No. 10 Downing St. in the U.S. on Monday.", "It went well."]


def test_quotes_with_inner_question_stay_whole() -> None:
    text = '"Is my science of a level consistent with other people who have gotten the Nobel? Yes," he said. He smiled.'
    assert split_sentences(text)[0].startswith('"Is my science') and split_sentences(text)[0].endswith("he said.")
    assert len(split_sentences(text)) == 2


def test_glued_sentences_from_scraping_are_separated() -> None:
    text = "It was vilified by the scientific community.Dr Venter has certainly not gained a reputation for modesty."
    assert split_sentences(text) == [
        "It was vilified by the scientific community.",
        "Dr Venter has certainly not gained a reputation for modesty.",
    ]


def test_decimals_and_urls_are_not_glue() -> None:
    text = "Shares rose 2.5% to $3.75 on bbc.co.uk reports. Then they fell."
    assert split_sentences(text) == ["Shares rose 2.5% to $3.75 on bbc.co.uk reports.", "Then they fell."]


def test_share_widget_and_media_player_words_are_dropped() -> None:
    text = (
        "The review said there was no consensus.Share this withEmailFacebookMessengerMessengerTwitterPinterestWhatsAppLinkedInCopy this link"
        "A new tax was proposed. Media playback is not supported on this deviceThe minister agreed."
    )
    sentences = split_sentences(text)
    assert sentences == ["The review said there was no consensus.", "A new tax was proposed.", "The minister agreed."]


def test_datelines_are_removed_from_the_first_sentence() -> None:
    assert split_sentences("BEIRUT (Reuters) - Rebels took the city. More later.")[0] == "Rebels took the city."
    assert split_sentences("LONDON, England (CNN) -- A storm hit. It rained.")[0] == "A storm hit."


def test_bullet_lists_give_one_sentence_per_item() -> None:
    text = "Key facts:\n- The vote was 7 to 2\n• Cost is $4.5 million\n1. It opens in 2027"
    assert split_sentences(text) == ["Key facts:", "The vote was 7 to 2", "Cost is $4.5 million", "It opens in 2027"]


def test_line_breaks_end_sentences_and_empties_vanish() -> None:
    assert split_sentences("First line without stop\n\n\nSecond line.\n...\n") == [
        "First line without stop",
        "Second line.",
    ]


def test_glued_one_letter_words_are_separated() -> None:
    text = "It will decide whether to resume.A tremor was felt on Friday.I was at home, she said."
    assert split_sentences(text) == [
        "It will decide whether to resume.",
        "A tremor was felt on Friday.",
        "I was at home, she said.",
    ]


def test_a_glued_quote_goes_with_the_sentence_it_belongs_to() -> None:
    # The first quote after "said." opens the next sentence; the one after "that." closes its own.
    text = '"It was bad," he said."I think so." Then he said: "we left after that."The process was odd.'
    assert split_sentences(text) == [
        '"It was bad," he said.',
        '"I think so."',
        'Then he said: "we left after that."',
        "The process was odd.",
    ]


def test_a_related_story_title_glued_without_a_stop_is_cut_off() -> None:
    text = "Listen: Dennis on loyalty and mentalityThe slump started in 2013. The iPhone, eBay, McDonald and YouTube stayed."
    assert split_sentences(text) == [
        "Listen: Dennis on loyalty and mentality",
        "The slump started in 2013.",
        "The iPhone, eBay, McDonald and YouTube stayed.",
    ]
    handles = "He wrote to @realDonaldTrump about #tooMuchTax at example.com/newsRoom and left."
    assert split_sentences(handles) == [handles]


def test_a_quote_left_open_does_not_glue_the_following_sentences_together() -> None:
    # BBC style: a quote's middle paragraph opens a quote and never closes it; pysbd alone would
    # keep everything up to the next quote mark as one "sentence".
    text = (
        'Mark Miller said: "We take our responsibilities very seriously and have stopped operations to consult the experts. '
        '"We will decide on appropriate actions after that. The process has proved controversial in the US with environmentalists. '
        "But the committee called on ministers to support the process, arguing that tight regulation could overcome the problems. "
        "The BGS said it was also monitoring fracking as a precaution."
    )
    sentences = split_sentences(text)
    assert sentences[-1] == "The BGS said it was also monitoring fracking as a precaution."
    assert "The process has proved controversial in the US with environmentalists." in sentences
    assert sentences[-2].startswith("But the committee called on ministers")
