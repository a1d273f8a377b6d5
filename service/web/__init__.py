"""The web: pages fetched from a URL (public addresses only) and a page's main text and title read
out of its HTML. Sits under the engine, which takes requests in, and above the text layer."""
