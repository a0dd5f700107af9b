-- The shop example: source tables in the trinity pattern.
--   pk_<entity>  integer identity key (what TVIEWs join and cascade on)
--   id           uuid public identifier (what an API exposes)
--   fk_<parent>  integer foreign keys to the parent's pk_<parent>
-- Idempotent: running it again leaves existing tables and rows alone.

CREATE TABLE IF NOT EXISTS tb_user (
    pk_user    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    email      text NOT NULL UNIQUE,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS tb_post (
    pk_post    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    fk_user    integer NOT NULL REFERENCES tb_user (pk_user),
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tb_post_fk_user ON tb_post (fk_user);

CREATE TABLE IF NOT EXISTS tb_comment (
    pk_comment integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    fk_post    integer NOT NULL REFERENCES tb_post (pk_post) ON DELETE CASCADE,
    fk_user    integer NOT NULL REFERENCES tb_user (pk_user),
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tb_comment_fk_post ON tb_comment (fk_post);
CREATE INDEX IF NOT EXISTS tb_comment_fk_user ON tb_comment (fk_user);

-- Seed rows (only into empty tables).
INSERT INTO tb_user (email, name)
SELECT v.email, v.name
  FROM (VALUES ('alice@example.com', 'Alice'), ('bob@example.com', 'Bob'), ('carol@example.com', 'Carol')) v(email, name)
 WHERE NOT EXISTS (SELECT 1 FROM tb_user);

INSERT INTO tb_post (fk_user, title, body)
SELECT u.pk_user, v.title, v.body
  FROM (VALUES ('alice@example.com', 'Hello TVIEWs', 'Read models that never go stale.'),
               ('alice@example.com', 'Trinity pattern', 'pk_, id and fk_ columns.'),
               ('bob@example.com',   'Operators', 'Declarative databases on Kubernetes.')) v(email, title, body)
  JOIN tb_user u ON u.email = v.email
 WHERE NOT EXISTS (SELECT 1 FROM tb_post);

INSERT INTO tb_comment (fk_post, fk_user, body)
SELECT p.pk_post, u.pk_user, v.body
  FROM (VALUES ('Hello TVIEWs', 'bob@example.com', 'Nice!'),
               ('Hello TVIEWs', 'carol@example.com', 'How fast is it?'),
               ('Operators', 'alice@example.com', 'Agreed.')) v(title, email, body)
  JOIN tb_post p ON p.title = v.title
  JOIN tb_user u ON u.email = v.email
 WHERE NOT EXISTS (SELECT 1 FROM tb_comment);
