"""masking: a long text (a notebook's image, its base64) is masked once per text and secrets;
the answer is the one a fresh masking gives, whatever was masked before."""

from __future__ import annotations

from nba_simulator.masking import _LONG_TEXT, REDACTED, _mask_now, mask, mask_text


def test_a_long_text_is_masked_for_the_secrets_of_each_call():
    body = "iVBORw0KGgo" * (_LONG_TEXT // 10)
    text = body + " postgresql://u:hunter2hunter2@db/x " + body + " tok3n-Sekr1t "
    first = mask_text(text, ["tok3n-Sekr1t"])
    assert "hunter2hunter2" not in first and "tok3n-Sekr1t" not in first and REDACTED in first
    assert first == _mask_now(text, ((("tok3n-Sekr1t",),)))
    # the same text again, other secrets: masked for those, not the answer kept from before
    again = mask_text(text, [])
    assert "tok3n-Sekr1t" in again and "hunter2hunter2" not in again
    assert mask({"outputs": [text]}, ["tok3n-Sekr1t"]) == {"outputs": [first]}
    short = "tok3n-Sekr1t in a short text"
    assert mask_text(short, ["tok3n-Sekr1t"]) == f"{REDACTED} in a short text"
