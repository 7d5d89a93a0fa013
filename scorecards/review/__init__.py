"""The quarterly governance review (docs/governance.md): a workspace per quarter prepared from live
data (`sections`, run by `workspace` as a background job), decisions with owners and due dates
(`decisions`), sign-off that freezes it (`workspace.sign_off`), and its exports: the HTML page and
the PDF pack (`pdf`), and each partner's and each direct team's extract (`extract`)."""
