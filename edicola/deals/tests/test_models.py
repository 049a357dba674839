from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from edicola.deals.models import Deal, Store


def test_discount_is_computed_from_the_two_prices(make_deal):
    deal = make_deal(price=Decimal("75"), original_price=Decimal("100"))
    assert deal.discount_percent == 25
    assert make_deal(original_price=None).discount_percent is None


def test_store_parameters_are_merged_into_the_link(store):
    assert store.affiliate_url("https://www.amazon.it/dp/X?th=1&tag=other") == (
        "https://www.amazon.it/dp/X?th=1&tag=edicola-21"
    )
    assert Store(name="Plain").affiliate_url("https://shop.test/a") == "https://shop.test/a"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price": Decimal("0")}, "price"),
        ({"price": Decimal("-5")}, "price"),
        ({"original_price": Decimal("10")}, "original_price"),
        ({"coupon_code": "<b>X</b>"}, "coupon_code"),
        ({"coupon_code": "SAVE 10"}, "coupon_code"),
        ({"title": "x" * 501}, "title"),
        ({"url": "javascript:alert(1)"}, "url"),
    ],
)
def test_bad_deal_input_is_refused_with_a_message(store, fields, field):
    data = {
        "title": "Telefono",
        "store": store,
        "price": Decimal("100"),
        "original_price": Decimal("120"),
        "url": "https://shop.test/p",
        **fields,
    }
    with pytest.raises(ValidationError) as error:
        Deal(**data).full_clean()
    assert field in error.value.message_dict


def test_expiry_before_start_is_refused(store):
    now = timezone.now()
    deal = Deal(
        title="T",
        store=store,
        price=1,
        url="https://s.test/",
        starts_at=now,
        expires_at=now - timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as error:
        deal.full_clean()
    assert "expires_at" in error.value.message_dict


def test_a_500_character_title_is_accepted(store):
    Deal(title="x" * 500, store=store, price=1, url="https://s.test/").full_clean()


def test_bad_store_parameters_are_refused(db):
    with pytest.raises(ValidationError):
        Store(name="S", affiliate_parameters="tag=<x>").full_clean()
