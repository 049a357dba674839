"""Moving in from WordPress (+ wpDiscuz): readers of a WXR export or of the site's database,
conversion of bodies, the importer that writes our pages and discussions, and old-URL redirects."""
