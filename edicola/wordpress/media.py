"""Attachments → Wagtail images (title, alt text, caption, credit, upload date) and documents
(audio, video, PDF and any other file). Files are read from the --uploads copy of
wp-content/uploads only: nothing is downloaded. A file that is missing or unreadable is
reported and its attachment skipped; bodies that use it then degrade (the body converter says
so in its own notes).

This pass also walks every item once to learn what pass 2 needs: which pages have which parent
page, and which images are attached to which post (a bare [gallery])."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files import File
from django.core.files.images import ImageFile
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from . import oldurls
from .bodymedia import ImageRef
from .records import Item
from .run import Decision, Kind, RecordSkipped, Run, batched, compact_id, fingerprint

UPLOADS_MARK = "/wp-content/uploads/"
# "foto-1024x768.jpg", "foto-scaled.jpg", "foto-scaled-300x200.jpg" → "foto.jpg"
BATCH = 200  # attachments whose ImportedObject rows are read at once
SIZE_SUFFIX = re.compile(r"(?:-scaled)?(?:-\d{1,5}x\d{1,5})?(?:-scaled)?(?=\.[A-Za-z0-9]{1,5}$)")


def upload_path(url: str) -> str:
    """The path of an uploaded file inside wp-content/uploads, from any URL of it ("" if none)."""
    path = unquote(urlsplit((url or "").strip()).path)
    if UPLOADS_MARK in path:
        return path.split(UPLOADS_MARK, 1)[1]
    return ""


def canonical_upload(relative: str) -> str:
    """The original file's path for any resized or scaled copy of it."""
    return SIZE_SUFFIX.sub("", relative.strip("/"), count=1)


def image_extensions() -> set[str]:
    return {extension.lower() for extension in settings.WAGTAILIMAGES_EXTENSIONS}


def _credit(item: Item) -> str:
    """The credit WordPress read from the file's IPTC/EXIF data, kept in its metadata."""
    raw = item.meta_value("_wp_attachment_metadata")
    if not raw or "credit" not in raw:
        return ""
    try:
        import phpserialize

        data = phpserialize.loads(raw.encode("utf-8"), decode_strings=True)
    except Exception:  # noqa: BLE001 - damaged metadata only loses the credit
        return ""
    meta = data.get("image_meta") if isinstance(data, dict) else None
    credit = meta.get("credit", "") if isinstance(meta, dict) else ""
    return str(credit or "").strip()


def _text(value: str, limit: int) -> str:
    import html

    return html.unescape(strip_tags(value or "")).strip()[:limit]


def import_attachments(run: Run) -> None:
    with run.progress.phase(_("Media"), run.item_total or None) as step:
        for batch in batched(run.content.items(), BATCH):
            run.prefetch(
                Kind.ATTACHMENT, [i.source_id for i in batch if i.post_type == "attachment"]
            )
            for item in batch:
                step()
                if item.post_type == "page":
                    run.page_ids.add(compact_id(item.source_id))
                    parent = compact_id(item.parent_id)
                    if parent and parent != 0:
                        run.page_parents[compact_id(item.source_id)] = parent
                    continue
                if item.post_type != "attachment":
                    continue
                run.each(Kind.ATTACHMENT, item.source_id, lambda item=item: _attachment(run, item))
            run.forget_prefetched()


def _attachment(run: Run, item: Item) -> str:
    relative = item.meta_value("_wp_attached_file") or upload_path(item.attachment_url or item.guid)
    relative = relative.strip().lstrip("/")
    name = Path(relative).name or f"file-{item.source_id}"
    is_image = Path(name).suffix.lower().lstrip(".") in image_extensions()
    alt = _text(item.meta_value("_wp_attachment_image_alt"), 250)
    caption = _text(item.excerpt, 250)
    credit = _text(_credit(item), 120)
    title = _text(item.title, 255) or name[:255]
    model = _image_model() if is_image else _document_model()

    source_fp = fingerprint(item)
    row = run.imported(Kind.ATTACHMENT, item.source_id)
    existing = _target(model, row)
    decision = run.decide(row, source_fp, lambda: _local(existing))
    if decision in (Decision.UNCHANGED, Decision.KEPT):
        _register(run, item, existing, relative, is_image, alt, caption, credit)
        return run.kept(Kind.ATTACHMENT, item.source_id) if decision == Decision.KEPT else decision

    if existing is None:
        path = _file(run, relative)
        existing = _image(run, path, name, title, alt) if is_image else _document(run, path, title)
    else:
        existing.title = title
        if is_image:
            existing.description = alt
        existing.save()
    when = run.when(item.date, item.date_local)
    if when is not None:
        type(existing).objects.filter(pk=existing.pk).update(created_at=when)
    imported = run.keep(
        Kind.ATTACHMENT,
        item.source_id,
        existing,
        source_fp=source_fp,
        local_fp=_local(existing),
        row=row,
    )
    oldurls.remember(imported, [u for u in (item.attachment_url, item.link, item.guid) if u])
    _register(run, item, existing, relative, is_image, alt, caption, credit)
    return decision


def _image_model():
    from wagtail.images import get_image_model

    return get_image_model()


def _document_model():
    from wagtail.documents import get_document_model

    return get_document_model()


def _target(model, row):
    if row is None:
        return None
    return model.objects.filter(pk=row.object_id).first()


def _local(target) -> str | None:
    if target is None:
        return None
    text = f"{target.title}\n{getattr(target, 'description', '')}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file(run: Run, relative: str) -> Path:
    uploads = run.options.uploads
    if uploads is None:
        raise RecordSkipped(_("No --uploads directory was given: the file was not imported."))
    root = Path(uploads).resolve()
    path = (root / relative).resolve()
    if not relative or root not in path.parents:
        raise RecordSkipped(_("The file's path is not inside the uploads directory."), relative)
    if not path.is_file():
        raise RecordSkipped(_("The file is missing from the uploads directory."), relative)
    return path


def _image(run: Run, path: Path, name: str, title: str, alt: str):
    try:
        with PILImage.open(path) as picture:
            width, height = picture.size
            picture.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise RecordSkipped(_("The image file cannot be read."), f"{path.name}: {error}") from None
    image = _image_model()(
        title=title,
        description=alt,
        width=width,
        height=height,
        collection_id=_root_collection(run),
    )
    if run.options.dry_run:
        image.file.name = f"original_images/{name}"
        image.save()
        return image
    with path.open("rb") as handle:
        image.file = ImageFile(handle, name=name)
        image._set_image_file_metadata()
        image.save()
    return image


def _root_collection(run: Run) -> int:
    """The collection new images and documents go to (Wagtail's default: the root)."""
    if run.root_collection_id is None:
        from wagtail.models import get_root_collection_id

        run.root_collection_id = get_root_collection_id()
    return run.root_collection_id


def _document(run: Run, path: Path, title: str):
    document = _document_model()(title=title, collection_id=_root_collection(run))
    if run.options.dry_run:
        document.file.name = f"documents/{path.name}"
        document.save()
        return document
    with path.open("rb") as handle:
        document.file = File(handle, name=path.name)
        document.file_size = path.stat().st_size
        document._set_file_hash()
        document.save()
    return document


def _register(run, item, target, relative, is_image, alt, caption, credit) -> None:
    if target is None:
        return
    key = compact_id(item.source_id)
    if is_image:
        run.images[key] = (target.pk, alt, caption, credit)
        parent = compact_id(item.parent_id)
        if parent:
            run.attached.setdefault(parent, []).append((item.menu_order, key))
    else:
        run.documents[key] = target.pk
    if relative:
        run.upload_paths[canonical_upload(relative)] = key


# -- What the body converter asks ----------------------------------------------------------------


def _attachment_key(run: Run, attachment_id: str, url: str):
    if attachment_id:
        return compact_id(attachment_id)
    relative = upload_path(url)
    return run.upload_paths.get(canonical_upload(relative)) if relative else None


def resolve_image(run: Run, attachment_id: str, url: str) -> ImageRef | None:
    key = _attachment_key(run, attachment_id, url)
    if key not in run.images and attachment_id and url:
        key = _attachment_key(run, "", url)
    found = run.images.get(key)
    if found is None:
        return None
    pk, alt, caption, credit = found
    return ImageRef(image_id=pk, alt=alt, caption=caption, credit=credit)


def resolve_document(run: Run, attachment_id: str, url: str) -> int | None:
    key = _attachment_key(run, attachment_id, url)
    if key not in run.documents and attachment_id and url:
        key = _attachment_key(run, "", url)
    return run.documents.get(key)


def attached_images(run: Run, post_id: str) -> list[str]:
    return [str(key) for _order, key in sorted(run.attached.get(compact_id(post_id), []))]
