/**
 * /privacy/<YYYY-MM-DD>.txt: the exact Markdown text of a version. Its SHA-256 is the one
 * /privacy/versions.json and the lock file give, so anyone can check a version is unchanged.
 */
import type { APIRoute, GetStaticPaths, InferGetStaticPropsType } from 'astro';
import { loadPolicy } from '../../components/policy/site.ts';

export const prerender = true;

export const getStaticPaths = (async () => {
  const { versions } = await loadPolicy();
  return versions.map((v) => ({ params: { date: v.effective }, props: { text: v.text } }));
}) satisfies GetStaticPaths;

type Props = InferGetStaticPropsType<typeof getStaticPaths>;

export const GET: APIRoute<Props> = ({ props }) => new Response(props.text, { headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
