"""WXR records: one <wp:category>, <wp:tag>, <wp:term>, <item> or <wp:comment> element turned
into a `records` dataclass, and the repairs noted on the way.

`WXRRecords` is the half of `wxr.WXRSource` that reads one element at a time: it knows the
fields of each record and how WordPress writes dates, and keeps the list of repairs (one per
problem, never twice). The passes over the file, which hand it the elements, live in `wxr`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.translation import gettext as _

from .records import Comment, Item, Repair, Term
from .wxrnames import ElementNames, int_or_zero, item_term, meta_pair, optional_id, wp_fields


class WXRRecords:
    """Builds records from elements and collects the repairs it notes in `repairs`."""

    repairs: list[Repair]
    _seen: set[Repair]

    def _term(self, element, names: ElementNames, notes: bool = True) -> tuple[Term | None, str]:
        fields = wp_fields(element, names)
        tag = element.tag
        if tag == names.category:
            taxonomy, slug = "category", fields.get("category_nicename", "")
            name, parent = fields.get("cat_name", ""), fields.get("category_parent", "")
            description = fields.get("category_description", "")
        elif tag == names.tag:
            taxonomy, slug = "post_tag", fields.get("tag_slug", "")
            name, parent = fields.get("tag_name", ""), ""
            description = fields.get("tag_description", "")
        else:
            taxonomy, slug = fields.get("term_taxonomy", "").strip(), fields.get("term_slug", "")
            name, parent = fields.get("term_name", ""), fields.get("term_parent", "")
            description = fields.get("term_description", "")
        slug, parent = slug.strip(), parent.strip()
        if not slug or not taxonomy:
            if notes:
                self._note(element, _("A term without a slug or taxonomy was skipped."), False)
            return None, ""
        term_id = fields.get("term_id", "").strip() or f"{taxonomy}:{slug}"
        return (
            Term(
                source_id=term_id,
                taxonomy=taxonomy,
                slug=slug,
                name=name or slug,
                description=description,
            ),
            parent,
        )

    def _item(self, element, names: ElementNames, author_ids: dict[str, str]) -> Item | None:
        wp: dict[str, str] = {}
        other: dict[str, str] = {}
        terms: list[tuple[str, str]] = []
        meta: list[tuple[str, str]] = []
        for child in element:
            local = names.wp_field(child)
            if local == "postmeta":
                meta.append(meta_pair(child, names))
            elif local == "comment":
                continue
            elif local:
                wp.setdefault(local, child.text or "")
            elif child.tag == "category":
                key = item_term(child)
                if key is not None:
                    terms.append(key)
            else:
                other.setdefault(child.tag, child.text or "")
        post_id = wp.get("post_id", "").strip()
        if not post_id:
            self._note(element, _("An <item> without wp:post_id was skipped."), False)
            return None
        where = _("post %(id)s") % {"id": post_id}
        login = other.get(names.creator, "").strip()
        return Item(
            source_id=post_id,
            post_type=wp.get("post_type", "").strip() or "post",
            status=wp.get("status", "").strip() or "publish",
            title=other.get("title", ""),
            slug=wp.get("post_name", "").strip(),
            content=other.get(names.encoded, ""),
            excerpt=other.get(names.excerpt_encoded, ""),
            date=self._date(wp.get("post_date_gmt", ""), where, aware=True),
            date_local=self._date(wp.get("post_date", ""), where, aware=False),
            modified=self._date(wp.get("post_modified_gmt", ""), where, aware=True),
            author_id=author_ids.get(login, ""),
            author_login=login,
            parent_id=optional_id(wp.get("post_parent", "")),
            menu_order=int_or_zero(wp.get("menu_order", "")),
            password=wp.get("post_password", ""),
            is_sticky=wp.get("is_sticky", "").strip() not in ("", "0"),
            guid=other.get("guid", "").strip(),
            link=other.get("link", "").strip(),
            attachment_url=wp.get("attachment_url", "").strip(),
            comment_status=wp.get("comment_status", "").strip() or "open",
            terms=terms,
            meta=meta,
        )

    def _comment(self, element, post_id: str, names: ElementNames) -> Comment | None:
        wp: dict[str, str] = {}
        meta: list[tuple[str, str]] = []
        for child in element:
            local = names.wp_field(child)
            if local == "commentmeta":
                meta.append(meta_pair(child, names))
            elif local:
                wp.setdefault(local, child.text or "")
        comment_id = wp.get("comment_id", "").strip()
        if not comment_id:
            self._note(
                element,
                _("A comment without wp:comment_id on post %(id)s was skipped.") % {"id": post_id},
                False,
            )
            return None
        where = _("comment %(id)s") % {"id": comment_id}
        date = self._date(wp.get("comment_date_gmt", ""), where, aware=True)
        local_date = self._date(wp.get("comment_date", ""), where, aware=False)
        return Comment(
            source_id=comment_id,
            post_id=post_id,
            parent_id=optional_id(wp.get("comment_parent", "")),
            author_name=wp.get("comment_author", ""),
            author_email=wp.get("comment_author_email", "").strip(),
            author_url=wp.get("comment_author_url", "").strip(),
            author_ip=wp.get("comment_author_IP", "").strip(),
            date=date,
            date_local=local_date,
            content=wp.get("comment_content", ""),
            approved=wp.get("comment_approved", "").strip() or "1",
            type=wp.get("comment_type", "").strip(),
            user_id=optional_id(wp.get("comment_user_id", "")),
            meta=meta,
        )

    def _date(self, value: str, where: str, aware: bool) -> datetime | None:
        value = value.strip()
        if not value or value.startswith("0000-00-00"):
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self._add(
                Repair(
                    where,
                    _("The date “%(value)s” is not valid; it was left empty.") % {"value": value},
                )
            )
            return None
        moment = moment.replace(tzinfo=None)
        return moment.replace(tzinfo=UTC) if aware else moment

    def _note(self, element, problem: str, repaired: bool) -> None:
        line = element.sourceline or 0
        self._add(Repair(_("line %(line)d") % {"line": line}, problem, repaired))

    def _add(self, repair: Repair) -> None:
        if repair not in self._seen:
            self._seen.add(repair)
            self.repairs.append(repair)
