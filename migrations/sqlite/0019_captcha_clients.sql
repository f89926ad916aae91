-- Captchas remember the client address they were made for, so that the
-- live ones can be bounded per address, and are found by their form token
-- so that showing the form again shows the same challenge.
ALTER TABLE captchas ADD COLUMN client TEXT NOT NULL DEFAULT '';
CREATE INDEX captchas_client ON captchas (client, expires_at);
CREATE INDEX captchas_form_token ON captchas (form_token);
