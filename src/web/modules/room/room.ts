import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, call, type paths } from '../../api';
import { objectPath, useLiveEvents, type LiveEvent } from '../intel/intel';

export type FeedItem = paths['/api/room/feed']['get']['responses'][200]['content']['application/json']['items'][number];
export type ItemKind = FeedItem['kind'];
export type Message = paths['/api/room/items/{kind}/{id}/messages']['get']['responses'][200]['content']['application/json']['items'][number];
type FeedPage = paths['/api/room/feed']['get']['responses'][200]['content']['application/json'];
export type Summary = paths['/api/room/summary']['get']['responses'][200]['content']['application/json'];

export const ROOM_PATH = '/warning/room';
/** Same bound as the server (room.schemas.ts). */
export const MESSAGE_MAX_CHARS = 4000;
const PAGE = 30;

/** The kinds, in the server's order. */
export const ITEM_ORDER: ItemKind[] = ['alert', 'incident', 'sighting'];
export const KIND_LABELS: Record<ItemKind, { one: string; many: string }> = {
  alert: { one: 'Alert', many: 'Alerts' },
  incident: { one: 'Incident report', many: 'Incident reports' },
  sighting: { one: 'Sighting', many: 'Sightings' },
};
export const itemKey = (i: { kind: ItemKind; id: string }) => `${i.kind}:${i.id}`;

/** Where the item's own page is. */
export function sourcePath(i: { kind: ItemKind; id: string }): string {
  if (i.kind === 'alert') return `/warning/alerts/${i.id}`;
  if (i.kind === 'incident') return `/infrastructure/incidents/${i.id}`;
  return objectPath(i.id);
}

const roomKeys = {
  feed: ['room', 'feed'] as const,
  summary: ['room', 'summary'] as const,
  item: (kind: ItemKind, id: string) => ['room', 'item', kind, id] as const,
  thread: (kind: ItemKind, id: string) => ['room', 'thread', kind, id] as const,
};

/** The feed, newest first, page after page; an item read twice (offsets moved) is shown once. */
export function useFeed() {
  const q = useInfiniteQuery({
    queryKey: roomKeys.feed,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => call(api.GET('/api/room/feed', { params: { query: { limit: PAGE, cursor: pageParam } } })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const seen = new Set<string>();
  const items: FeedItem[] = [];
  for (const p of q.data?.pages ?? []) {
    for (const i of p.items) {
      if (seen.has(itemKey(i))) continue;
      seen.add(itemKey(i));
      items.push(i);
    }
  }
  return { ...q, items };
}

export const useSummary = () => useQuery({ queryKey: roomKeys.summary, queryFn: () => call(api.GET('/api/room/summary', { params: { query: { hours: 24 } } })) });

export const useItem = (kind: ItemKind, id: string) =>
  useQuery({ queryKey: roomKeys.item(kind, id), queryFn: () => call(api.GET('/api/room/items/{kind}/{id}', { params: { path: { kind, id } } })) });

export const useThread = (kind: ItemKind, id: string) =>
  useQuery({ queryKey: roomKeys.thread(kind, id), queryFn: () => call(api.GET('/api/room/items/{kind}/{id}/messages', { params: { path: { kind, id } } })) });

/** Messages already in this page's feed counts (posted here, or bumped when their event came): never counted twice. */
const countedMessages = new Set<string>();

export function usePostMessage(kind: ItemKind, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { text: string; parentId?: string | null }) => call(api.POST('/api/room/items/{kind}/{id}/messages', { params: { path: { kind, id } }, body })),
    onSuccess: (m) => {
      countedMessages.add(m.id);
      void qc.invalidateQueries({ queryKey: roomKeys.thread(kind, id) });
      void qc.invalidateQueries({ queryKey: roomKeys.item(kind, id) });
      // the feed's message count too (re-read: the live event of this message will not bump it again)
      void qc.invalidateQueries({ queryKey: roomKeys.feed });
    },
  });
}

/** Events that may bring a new item into the feed (each sent by the server only to those who may see it). */
const FEED_TOPICS = ['alerts.published', 'alerts.revised', 'alerts.withdrawn', 'incidents.changed', 'intel.objects.added', 'room.message'];
function bringsItem(e: LiveEvent): boolean {
  if (e.topic === 'incidents.changed') return e.payload.kind === 'submit';
  if (e.topic === 'intel.objects.added') {
    const p = e.payload as { count?: number; objects?: { type?: string }[] };
    return !p.objects || (p.count ?? 0) > p.objects.length || p.objects.some((o) => o.type === 'sighting');
  }
  return true;
}

/**
 * Live: re-reads the feed and the counts when an event may bring an item (at most once a second), and
 * a thread when one of its messages arrives. `onEvent` hears about new items and messages. Answers
 * whether the stream is connected; after a break, everything is re-read once it is back (events sent
 * meanwhile were missed).
 */
export function useRoomLive(onEvent: (e: LiveEvent) => void): boolean {
  const qc = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [connected, setConnected] = useState(true);
  const broken = useRef(false);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const onConnection = (open: boolean) => {
    setConnected(open);
    if (!open) broken.current = true;
    else if (broken.current) {
      broken.current = false;
      void qc.invalidateQueries({ queryKey: ['room'] });
    }
  };
  useLiveEvents(FEED_TOPICS, (e) => {
    if (!bringsItem(e)) return;
    if (e.topic === 'room.message') {
      const p = e.payload as { kind?: ItemKind; itemId?: string };
      if (p.kind && p.itemId) {
        // the item's count follows at once (the feed is re-read below, which then answers the server's count)
        const { kind, itemId } = p;
        const messageId = (e.payload as { messageId?: string }).messageId;
        if (!messageId || !countedMessages.has(messageId)) {
          if (messageId) countedMessages.add(messageId);
          qc.setQueryData<InfiniteData<FeedPage>>(roomKeys.feed, (old) =>
            old && { ...old, pages: old.pages.map((pg) => ({ ...pg, items: pg.items.map((i) => (i.kind === kind && i.id === itemId ? { ...i, messages: i.messages + 1 } : i)) })) },
          );
        }
        void qc.invalidateQueries({ queryKey: roomKeys.thread(p.kind, p.itemId) });
        void qc.invalidateQueries({ queryKey: roomKeys.item(p.kind, p.itemId) });
      }
    }
    onEvent(e);
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      void qc.invalidateQueries({ queryKey: roomKeys.feed });
      void qc.invalidateQueries({ queryKey: roomKeys.summary });
    }, 1000);
  }, true, onConnection);
  return connected;
}
