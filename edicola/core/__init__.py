"""Site-wide plumbing: site settings, the anonymous page cache and the `serve` command."""
