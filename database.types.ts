export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[];

export type Database = {
  graphql_public: {
    Tables: {
      [_ in never]: never;
    };
    Views: {
      [_ in never]: never;
    };
    Functions: {
      [_ in never]: never;
    };
    Enums: {
      [_ in never]: never;
    };
    CompositeTypes: {
      [_ in never]: never;
    };
  };
  public: {
    Tables: {
      alert_triggers: {
        Row: {
          alert_id: string;
          id: number;
          price: number;
          quote_ts: string;
          symbol: string;
          triggered_at: string;
          user_id: string;
          value: number;
        };
        ComputedFields: never;
        Insert: {
          alert_id: string;
          id?: never;
          price: number;
          quote_ts: string;
          symbol: string;
          triggered_at?: string;
          user_id: string;
          value: number;
        };
        Update: {
          alert_id?: string;
          id?: never;
          price?: number;
          quote_ts?: string;
          symbol?: string;
          triggered_at?: string;
          user_id?: string;
          value?: number;
        };
        Relationships: [
          {
            foreignKeyName: 'alert_triggers_alert_id_fkey';
            columns: ['alert_id'];
            isOneToOne: false;
            referencedRelation: 'alerts';
            referencedColumns: ['id'];
          },
        ];
      };
      alerts: {
        Row: {
          condition: string;
          condition_met: boolean;
          created_at: string;
          expires_at: string | null;
          frequency: string;
          id: string;
          last_price: number | null;
          last_triggered_at: string | null;
          note: string | null;
          portfolio_id: string | null;
          status: string;
          symbol: string;
          threshold: number;
          trigger_count: number;
          user_id: string;
        };
        ComputedFields: never;
        Insert: {
          condition: string;
          condition_met?: boolean;
          created_at?: string;
          expires_at?: string | null;
          frequency?: string;
          id?: string;
          last_price?: number | null;
          last_triggered_at?: string | null;
          note?: string | null;
          portfolio_id?: string | null;
          status?: string;
          symbol: string;
          threshold: number;
          trigger_count?: number;
          user_id?: string;
        };
        Update: {
          condition?: string;
          condition_met?: boolean;
          created_at?: string;
          expires_at?: string | null;
          frequency?: string;
          id?: string;
          last_price?: number | null;
          last_triggered_at?: string | null;
          note?: string | null;
          portfolio_id?: string | null;
          status?: string;
          symbol?: string;
          threshold?: number;
          trigger_count?: number;
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: 'alerts_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolio_valuations';
            referencedColumns: ['portfolio_id'];
          },
          {
            foreignKeyName: 'alerts_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolios';
            referencedColumns: ['id'];
          },
          {
            foreignKeyName: 'alerts_symbol_fkey';
            columns: ['symbol'];
            isOneToOne: false;
            referencedRelation: 'instruments';
            referencedColumns: ['symbol'];
          },
        ];
      };
      cash_ledger: {
        Row: {
          amount: number;
          created_at: string;
          fill_id: number | null;
          id: number;
          kind: string;
          note: string | null;
          portfolio_id: string;
          user_id: string;
        };
        ComputedFields: never;
        Insert: {
          amount: number;
          created_at?: string;
          fill_id?: number | null;
          id?: never;
          kind: string;
          note?: string | null;
          portfolio_id: string;
          user_id: string;
        };
        Update: {
          amount?: number;
          created_at?: string;
          fill_id?: number | null;
          id?: never;
          kind?: string;
          note?: string | null;
          portfolio_id?: string;
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: 'cash_ledger_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolio_valuations';
            referencedColumns: ['portfolio_id'];
          },
          {
            foreignKeyName: 'cash_ledger_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolios';
            referencedColumns: ['id'];
          },
        ];
      };
      equity_snapshots: {
        Row: {
          cash: number;
          equity: number;
          market_value: number;
          net_flow: number;
          portfolio_id: string;
          taken_at: string;
          user_id: string;
        };
        ComputedFields: never;
        Insert: {
          cash: number;
          equity: number;
          market_value: number;
          net_flow?: number;
          portfolio_id: string;
          taken_at: string;
          user_id: string;
        };
        Update: {
          cash?: number;
          equity?: number;
          market_value?: number;
          net_flow?: number;
          portfolio_id?: string;
          taken_at?: string;
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: 'equity_snapshots_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolio_valuations';
            referencedColumns: ['portfolio_id'];
          },
          {
            foreignKeyName: 'equity_snapshots_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolios';
            referencedColumns: ['id'];
          },
        ];
      };
      fills: {
        Row: {
          created_at: string;
          id: number;
          order_id: string;
          portfolio_id: string;
          price: number;
          qty: number;
          quote_ask: number | null;
          quote_bid: number | null;
          quote_last: number | null;
          quote_ts: string;
          side: string;
          symbol: string;
          user_id: string;
        };
        ComputedFields: never;
        Insert: {
          created_at?: string;
          id?: never;
          order_id: string;
          portfolio_id: string;
          price: number;
          qty: number;
          quote_ask?: number | null;
          quote_bid?: number | null;
          quote_last?: number | null;
          quote_ts: string;
          side: string;
          symbol: string;
          user_id: string;
        };
        Update: {
          created_at?: string;
          id?: never;
          order_id?: string;
          portfolio_id?: string;
          price?: number;
          qty?: number;
          quote_ask?: number | null;
          quote_bid?: number | null;
          quote_last?: number | null;
          quote_ts?: string;
          side?: string;
          symbol?: string;
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: 'fills_order_id_fkey';
            columns: ['order_id'];
            isOneToOne: false;
            referencedRelation: 'orders';
            referencedColumns: ['id'];
          },
          {
            foreignKeyName: 'fills_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolio_valuations';
            referencedColumns: ['portfolio_id'];
          },
          {
            foreignKeyName: 'fills_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolios';
            referencedColumns: ['id'];
          },
          {
            foreignKeyName: 'fills_symbol_fkey';
            columns: ['symbol'];
            isOneToOne: false;
            referencedRelation: 'instruments';
            referencedColumns: ['symbol'];
          },
        ];
      };
      instruments: {
        Row: {
          asset_class: string;
          created_at: string;
          exchange: string;
          fractionable: boolean;
          lot_size: number;
          min_qty: number;
          name: string;
          symbol: string;
          tick_size: number;
          tradable: boolean;
        };
        ComputedFields: never;
        Insert: {
          asset_class: string;
          created_at?: string;
          exchange: string;
          fractionable?: boolean;
          lot_size?: number;
          min_qty?: number;
          name: string;
          symbol: string;
          tick_size: number;
          tradable?: boolean;
        };
        Update: {
          asset_class?: string;
          created_at?: string;
          exchange?: string;
          fractionable?: boolean;
          lot_size?: number;
          min_qty?: number;
          name?: string;
          symbol?: string;
          tick_size?: number;
          tradable?: boolean;
        };
        Relationships: [];
      };
      market_bars_1m: {
        Row: {
          bucket: string;
          close: number;
          close_trade_id: number;
          close_ts: string;
          dataset_id: string;
          high: number;
          low: number;
          notional: number;
          open: number;
          open_trade_id: number;
          open_ts: string;
          revision: number;
          symbol: string;
          trade_count: number;
          updated_at: string;
          volume: number;
          vwap: number | null;
        };
        ComputedFields: never;
        Insert: {
          bucket: string;
          close: number;
          close_trade_id: number;
          close_ts: string;
          dataset_id: string;
          high: number;
          low: number;
          notional: number;
          open: number;
          open_trade_id: number;
          open_ts: string;
          revision?: number;
          symbol: string;
          trade_count: number;
          updated_at?: string;
          volume: number;
          vwap?: never;
        };
        Update: {
          bucket?: string;
          close?: number;
          close_trade_id?: number;
          close_ts?: string;
          dataset_id?: string;
          high?: number;
          low?: number;
          notional?: number;
          open?: number;
          open_trade_id?: number;
          open_ts?: string;
          revision?: number;
          symbol?: string;
          trade_count?: number;
          updated_at?: string;
          volume?: number;
          vwap?: never;
        };
        Relationships: [
          {
            foreignKeyName: 'market_bars_1m_dataset_id_fkey';
            columns: ['dataset_id'];
            isOneToOne: false;
            referencedRelation: 'market_datasets';
            referencedColumns: ['id'];
          },
        ];
      };
      market_datasets: {
        Row: {
          created_at: string;
          feed_url: string;
          id: string;
          name: string;
          sequenced: boolean;
          stream: string;
          user_id: string | null;
        };
        ComputedFields: never;
        Insert: {
          created_at?: string;
          feed_url: string;
          id?: string;
          name: string;
          sequenced?: boolean;
          stream?: string;
          user_id?: string | null;
        };
        Update: {
          created_at?: string;
          feed_url?: string;
          id?: string;
          name?: string;
          sequenced?: boolean;
          stream?: string;
          user_id?: string | null;
        };
        Relationships: [];
      };
      market_ingestion_gaps: {
        Row: {
          dataset_id: string;
          detected_at: string;
          first_missing_id: number;
          id: number;
          last_missing_id: number;
        };
        ComputedFields: never;
        Insert: {
          dataset_id: string;
          detected_at?: string;
          first_missing_id: number;
          id?: never;
          last_missing_id: number;
        };
        Update: {
          dataset_id?: string;
          detected_at?: string;
          first_missing_id?: number;
          id?: never;
          last_missing_id?: number;
        };
        Relationships: [
          {
            foreignKeyName: 'market_ingestion_gaps_dataset_id_fkey';
            columns: ['dataset_id'];
            isOneToOne: false;
            referencedRelation: 'market_datasets';
            referencedColumns: ['id'];
          },
        ];
      };
      market_ingestion_minutes: {
        Row: {
          dataset_id: string;
          duplicates: number;
          errors: number;
          gaps: number;
          lag_max_ms: number | null;
          lag_p50_ms: number | null;
          lag_p95_ms: number | null;
          lag_p99_ms: number | null;
          last_message_at: string | null;
          malformed: number;
          messages: number;
          minute: string;
          missing_trades: number;
          out_of_order: number;
          quotes: number;
          reconnects: number;
          trades: number;
          updated_at: string;
        };
        ComputedFields: never;
        Insert: {
          dataset_id: string;
          duplicates?: number;
          errors?: number;
          gaps?: number;
          lag_max_ms?: number | null;
          lag_p50_ms?: number | null;
          lag_p95_ms?: number | null;
          lag_p99_ms?: number | null;
          last_message_at?: string | null;
          malformed?: number;
          messages?: number;
          minute: string;
          missing_trades?: number;
          out_of_order?: number;
          quotes?: number;
          reconnects?: number;
          trades?: number;
          updated_at?: string;
        };
        Update: {
          dataset_id?: string;
          duplicates?: number;
          errors?: number;
          gaps?: number;
          lag_max_ms?: number | null;
          lag_p50_ms?: number | null;
          lag_p95_ms?: number | null;
          lag_p99_ms?: number | null;
          last_message_at?: string | null;
          malformed?: number;
          messages?: number;
          minute?: string;
          missing_trades?: number;
          out_of_order?: number;
          quotes?: number;
          reconnects?: number;
          trades?: number;
          updated_at?: string;
        };
        Relationships: [
          {
            foreignKeyName: 'market_ingestion_minutes_dataset_id_fkey';
            columns: ['dataset_id'];
            isOneToOne: false;
            referencedRelation: 'market_datasets';
            referencedColumns: ['id'];
          },
        ];
      };
      market_trades: {
        Row: {
          conditions: string;
          dataset_id: string;
          exchange: string;
          price: number;
          received_at: string;
          size: number;
          symbol: string;
          tape: string;
          trade_id: number;
          trade_ts: string;
        };
        ComputedFields: never;
        Insert: {
          conditions?: string;
          dataset_id: string;
          exchange?: string;
          price: number;
          received_at?: string;
          size: number;
          symbol: string;
          tape?: string;
          trade_id: number;
          trade_ts: string;
        };
        Update: {
          conditions?: string;
          dataset_id?: string;
          exchange?: string;
          price?: number;
          received_at?: string;
          size?: number;
          symbol?: string;
          tape?: string;
          trade_id?: number;
          trade_ts?: string;
        };
        Relationships: [
          {
            foreignKeyName: 'market_trades_dataset_id_fkey';
            columns: ['dataset_id'];
            isOneToOne: false;
            referencedRelation: 'market_datasets';
            referencedColumns: ['id'];
          },
        ];
      };
      order_events: {
        Row: {
          created_at: string;
          event: string;
          fill_id: number | null;
          id: number;
          order_id: string;
          portfolio_id: string;
          price: number | null;
          qty: number | null;
          reason: string | null;
          status: string;
          user_id: string;
        };
        ComputedFields: never;
        Insert: {
          created_at?: string;
          event: string;
          fill_id?: number | null;
          id?: never;
          order_id: string;
          portfolio_id: string;
          price?: number | null;
          qty?: number | null;
          reason?: string | null;
          status: string;
          user_id: string;
        };
        Update: {
          created_at?: string;
          event?: string;
          fill_id?: number | null;
          id?: never;
          order_id?: string;
          portfolio_id?: string;
          price?: number | null;
          qty?: number | null;
          reason?: string | null;
          status?: string;
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: 'order_events_order_id_fkey';
            columns: ['order_id'];
            isOneToOne: false;
            referencedRelation: 'orders';
            referencedColumns: ['id'];
          },
          {
            foreignKeyName: 'order_events_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolio_valuations';
            referencedColumns: ['portfolio_id'];
          },
          {
            foreignKeyName: 'order_events_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolios';
            referencedColumns: ['id'];
          },
        ];
      };
      orders: {
        Row: {
          canceled_at: string | null;
          client_order_id: string;
          created_at: string;
          eligible_from: string | null;
          expired_at: string | null;
          expires_at: string | null;
          filled_at: string | null;
          filled_avg_price: number | null;
          filled_notional: number;
          filled_qty: number;
          hwm: number | null;
          id: string;
          last_matched_quote_ts: string | null;
          leg: string | null;
          limit_price: number | null;
          notional: number | null;
          oco_group: string | null;
          order_class: string;
          parent_order_id: string | null;
          portfolio_id: string;
          qty: number | null;
          replaced_by: string | null;
          replaces: string | null;
          reservation_price: number | null;
          reserved_cash: number;
          side: string;
          status: string;
          status_reason: string | null;
          stop_loss_limit_price: number | null;
          stop_loss_stop_price: number | null;
          stop_price: number | null;
          symbol: string;
          take_profit_limit_price: number | null;
          time_in_force: string;
          trail_percent: number | null;
          trail_price: number | null;
          triggered_at: string | null;
          type: string;
          updated_at: string;
          user_id: string;
        };
        ComputedFields: never;
        Insert: {
          canceled_at?: string | null;
          client_order_id: string;
          created_at?: string;
          eligible_from?: string | null;
          expired_at?: string | null;
          expires_at?: string | null;
          filled_at?: string | null;
          filled_avg_price?: number | null;
          filled_notional?: number;
          filled_qty?: number;
          hwm?: number | null;
          id?: string;
          last_matched_quote_ts?: string | null;
          leg?: string | null;
          limit_price?: number | null;
          notional?: number | null;
          oco_group?: string | null;
          order_class?: string;
          parent_order_id?: string | null;
          portfolio_id: string;
          qty?: number | null;
          replaced_by?: string | null;
          replaces?: string | null;
          reservation_price?: number | null;
          reserved_cash?: number;
          side: string;
          status: string;
          status_reason?: string | null;
          stop_loss_limit_price?: number | null;
          stop_loss_stop_price?: number | null;
          stop_price?: number | null;
          symbol: string;
          take_profit_limit_price?: number | null;
          time_in_force: string;
          trail_percent?: number | null;
          trail_price?: number | null;
          triggered_at?: string | null;
          type: string;
          updated_at?: string;
          user_id: string;
        };
        Update: {
          canceled_at?: string | null;
          client_order_id?: string;
          created_at?: string;
          eligible_from?: string | null;
          expired_at?: string | null;
          expires_at?: string | null;
          filled_at?: string | null;
          filled_avg_price?: number | null;
          filled_notional?: number;
          filled_qty?: number;
          hwm?: number | null;
          id?: string;
          last_matched_quote_ts?: string | null;
          leg?: string | null;
          limit_price?: number | null;
          notional?: number | null;
          oco_group?: string | null;
          order_class?: string;
          parent_order_id?: string | null;
          portfolio_id?: string;
          qty?: number | null;
          replaced_by?: string | null;
          replaces?: string | null;
          reservation_price?: number | null;
          reserved_cash?: number;
          side?: string;
          status?: string;
          status_reason?: string | null;
          stop_loss_limit_price?: number | null;
          stop_loss_stop_price?: number | null;
          stop_price?: number | null;
          symbol?: string;
          take_profit_limit_price?: number | null;
          time_in_force?: string;
          trail_percent?: number | null;
          trail_price?: number | null;
          triggered_at?: string | null;
          type?: string;
          updated_at?: string;
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: 'orders_parent_order_id_fkey';
            columns: ['parent_order_id'];
            isOneToOne: false;
            referencedRelation: 'orders';
            referencedColumns: ['id'];
          },
          {
            foreignKeyName: 'orders_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolio_valuations';
            referencedColumns: ['portfolio_id'];
          },
          {
            foreignKeyName: 'orders_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolios';
            referencedColumns: ['id'];
          },
          {
            foreignKeyName: 'orders_replaced_by_fkey';
            columns: ['replaced_by'];
            isOneToOne: false;
            referencedRelation: 'orders';
            referencedColumns: ['id'];
          },
          {
            foreignKeyName: 'orders_replaces_fkey';
            columns: ['replaces'];
            isOneToOne: false;
            referencedRelation: 'orders';
            referencedColumns: ['id'];
          },
          {
            foreignKeyName: 'orders_symbol_fkey';
            columns: ['symbol'];
            isOneToOne: false;
            referencedRelation: 'instruments';
            referencedColumns: ['symbol'];
          },
        ];
      };
      portfolios: {
        Row: {
          base_currency: string;
          created_at: string;
          id: string;
          name: string;
          reset_at: string;
          starting_cash: number;
          updated_at: string;
          user_id: string;
        };
        ComputedFields: never;
        Insert: {
          base_currency?: string;
          created_at?: string;
          id?: string;
          name: string;
          reset_at?: string;
          starting_cash: number;
          updated_at?: string;
          user_id: string;
        };
        Update: {
          base_currency?: string;
          created_at?: string;
          id?: string;
          name?: string;
          reset_at?: string;
          starting_cash?: number;
          updated_at?: string;
          user_id?: string;
        };
        Relationships: [];
      };
      positions: {
        Row: {
          avg_cost: number;
          cost_basis: number;
          opened_at: string;
          portfolio_id: string;
          qty: number;
          realized_pnl: number;
          symbol: string;
          updated_at: string;
          user_id: string;
        };
        ComputedFields: never;
        Insert: {
          avg_cost?: number;
          cost_basis?: number;
          opened_at?: string;
          portfolio_id: string;
          qty?: number;
          realized_pnl?: number;
          symbol: string;
          updated_at?: string;
          user_id: string;
        };
        Update: {
          avg_cost?: number;
          cost_basis?: number;
          opened_at?: string;
          portfolio_id?: string;
          qty?: number;
          realized_pnl?: number;
          symbol?: string;
          updated_at?: string;
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: 'positions_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolio_valuations';
            referencedColumns: ['portfolio_id'];
          },
          {
            foreignKeyName: 'positions_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolios';
            referencedColumns: ['id'];
          },
          {
            foreignKeyName: 'positions_symbol_fkey';
            columns: ['symbol'];
            isOneToOne: false;
            referencedRelation: 'instruments';
            referencedColumns: ['symbol'];
          },
        ];
      };
      profiles: {
        Row: {
          created_at: string;
          display_name: string | null;
          id: string;
          updated_at: string;
        };
        ComputedFields: never;
        Insert: {
          created_at?: string;
          display_name?: string | null;
          id: string;
          updated_at?: string;
        };
        Update: {
          created_at?: string;
          display_name?: string | null;
          id?: string;
          updated_at?: string;
        };
        Relationships: [];
      };
      quotes: {
        Row: {
          ask: number | null;
          ask_size: number | null;
          bid: number | null;
          bid_size: number | null;
          last: number | null;
          last_size: number | null;
          prev_close: number | null;
          quote_ts: string;
          symbol: string;
          updated_at: string;
        };
        ComputedFields: never;
        Insert: {
          ask?: number | null;
          ask_size?: number | null;
          bid?: number | null;
          bid_size?: number | null;
          last?: number | null;
          last_size?: number | null;
          prev_close?: number | null;
          quote_ts: string;
          symbol: string;
          updated_at?: string;
        };
        Update: {
          ask?: number | null;
          ask_size?: number | null;
          bid?: number | null;
          bid_size?: number | null;
          last?: number | null;
          last_size?: number | null;
          prev_close?: number | null;
          quote_ts?: string;
          symbol?: string;
          updated_at?: string;
        };
        Relationships: [
          {
            foreignKeyName: 'quotes_symbol_fkey';
            columns: ['symbol'];
            isOneToOne: true;
            referencedRelation: 'instruments';
            referencedColumns: ['symbol'];
          },
        ];
      };
      watchlist_items: {
        Row: {
          added_at: string;
          position: number;
          symbol: string;
          user_id: string;
          watchlist_id: string;
        };
        ComputedFields: never;
        Insert: {
          added_at?: string;
          position?: number;
          symbol: string;
          user_id?: string;
          watchlist_id: string;
        };
        Update: {
          added_at?: string;
          position?: number;
          symbol?: string;
          user_id?: string;
          watchlist_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: 'watchlist_items_symbol_fkey';
            columns: ['symbol'];
            isOneToOne: false;
            referencedRelation: 'instruments';
            referencedColumns: ['symbol'];
          },
          {
            foreignKeyName: 'watchlist_items_watchlist_id_fkey';
            columns: ['watchlist_id'];
            isOneToOne: false;
            referencedRelation: 'watchlists';
            referencedColumns: ['id'];
          },
        ];
      };
      watchlists: {
        Row: {
          created_at: string;
          id: string;
          name: string;
          user_id: string;
        };
        ComputedFields: never;
        Insert: {
          created_at?: string;
          id?: string;
          name: string;
          user_id?: string;
        };
        Update: {
          created_at?: string;
          id?: string;
          name?: string;
          user_id?: string;
        };
        Relationships: [];
      };
    };
    Views: {
      portfolio_valuations: {
        Row: {
          buying_power: number | null;
          cash: number | null;
          day_change: number | null;
          equity: number | null;
          market_value: number | null;
          name: string;
          portfolio_id: string;
          realized_pnl: number | null;
          unrealized_pnl: number | null;
        };
        ComputedFields: never;
        Relationships: [];
      };
      position_valuations: {
        Row: {
          avg_cost: number;
          cost_basis: number;
          day_change: number | null;
          market_value: number | null;
          portfolio_id: string;
          price: number | null;
          qty: number;
          realized_pnl: number;
          symbol: string;
          unrealized_pnl: number | null;
          unrealized_pnl_percent: number | null;
        };
        ComputedFields: never;
        Relationships: [
          {
            foreignKeyName: 'positions_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolio_valuations';
            referencedColumns: ['portfolio_id'];
          },
          {
            foreignKeyName: 'positions_portfolio_id_fkey';
            columns: ['portfolio_id'];
            isOneToOne: false;
            referencedRelation: 'portfolios';
            referencedColumns: ['id'];
          },
          {
            foreignKeyName: 'positions_symbol_fkey';
            columns: ['symbol'];
            isOneToOne: false;
            referencedRelation: 'instruments';
            referencedColumns: ['symbol'];
          },
        ];
      };
    };
    Functions: {
      cancel_order: {
        Args: { order_id: string };
        Returns: {
          canceled_at: string | null;
          client_order_id: string;
          created_at: string;
          eligible_from: string | null;
          expired_at: string | null;
          expires_at: string | null;
          filled_at: string | null;
          filled_avg_price: number | null;
          filled_notional: number;
          filled_qty: number;
          hwm: number | null;
          id: string;
          last_matched_quote_ts: string | null;
          leg: string | null;
          limit_price: number | null;
          notional: number | null;
          oco_group: string | null;
          order_class: string;
          parent_order_id: string | null;
          portfolio_id: string;
          qty: number | null;
          replaced_by: string | null;
          replaces: string | null;
          reservation_price: number | null;
          reserved_cash: number;
          side: string;
          status: string;
          status_reason: string | null;
          stop_loss_limit_price: number | null;
          stop_loss_stop_price: number | null;
          stop_price: number | null;
          symbol: string;
          take_profit_limit_price: number | null;
          time_in_force: string;
          trail_percent: number | null;
          trail_price: number | null;
          triggered_at: string | null;
          type: string;
          updated_at: string;
          user_id: string;
        };
        SetofOptions: {
          from: '*';
          to: 'orders';
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      close_position: {
        Args: { portfolio_id: string; symbol: string };
        Returns: {
          canceled_at: string | null;
          client_order_id: string;
          created_at: string;
          eligible_from: string | null;
          expired_at: string | null;
          expires_at: string | null;
          filled_at: string | null;
          filled_avg_price: number | null;
          filled_notional: number;
          filled_qty: number;
          hwm: number | null;
          id: string;
          last_matched_quote_ts: string | null;
          leg: string | null;
          limit_price: number | null;
          notional: number | null;
          oco_group: string | null;
          order_class: string;
          parent_order_id: string | null;
          portfolio_id: string;
          qty: number | null;
          replaced_by: string | null;
          replaces: string | null;
          reservation_price: number | null;
          reserved_cash: number;
          side: string;
          status: string;
          status_reason: string | null;
          stop_loss_limit_price: number | null;
          stop_loss_stop_price: number | null;
          stop_price: number | null;
          symbol: string;
          take_profit_limit_price: number | null;
          time_in_force: string;
          trail_percent: number | null;
          trail_price: number | null;
          triggered_at: string | null;
          type: string;
          updated_at: string;
          user_id: string;
        };
        SetofOptions: {
          from: '*';
          to: 'orders';
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      create_portfolio: {
        Args: { name: string; starting_cash?: number };
        Returns: {
          base_currency: string;
          created_at: string;
          id: string;
          name: string;
          reset_at: string;
          starting_cash: number;
          updated_at: string;
          user_id: string;
        };
        SetofOptions: {
          from: '*';
          to: 'portfolios';
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      place_order: {
        Args: {
          client_order_id?: string;
          limit_price?: number;
          notional?: number;
          order_class?: string;
          portfolio_id: string;
          qty?: number;
          side: string;
          stop_loss_limit_price?: number;
          stop_loss_stop_price?: number;
          stop_price?: number;
          symbol: string;
          take_profit_limit_price?: number;
          time_in_force?: string;
          trail_percent?: number;
          trail_price?: number;
          type?: string;
        };
        Returns: {
          canceled_at: string | null;
          client_order_id: string;
          created_at: string;
          eligible_from: string | null;
          expired_at: string | null;
          expires_at: string | null;
          filled_at: string | null;
          filled_avg_price: number | null;
          filled_notional: number;
          filled_qty: number;
          hwm: number | null;
          id: string;
          last_matched_quote_ts: string | null;
          leg: string | null;
          limit_price: number | null;
          notional: number | null;
          oco_group: string | null;
          order_class: string;
          parent_order_id: string | null;
          portfolio_id: string;
          qty: number | null;
          replaced_by: string | null;
          replaces: string | null;
          reservation_price: number | null;
          reserved_cash: number;
          side: string;
          status: string;
          status_reason: string | null;
          stop_loss_limit_price: number | null;
          stop_loss_stop_price: number | null;
          stop_price: number | null;
          symbol: string;
          take_profit_limit_price: number | null;
          time_in_force: string;
          trail_percent: number | null;
          trail_price: number | null;
          triggered_at: string | null;
          type: string;
          updated_at: string;
          user_id: string;
        };
        SetofOptions: {
          from: '*';
          to: 'orders';
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      portfolio_performance: {
        Args: { portfolio_id: string };
        Returns: {
          end_equity: number;
          max_drawdown: number;
          mwr: number;
          period_end: string;
          period_start: string;
          start_equity: number;
          twr: number;
        }[];
      };
      replace_order: {
        Args: {
          client_order_id?: string;
          limit_price?: number;
          order_id: string;
          qty?: number;
          stop_price?: number;
          time_in_force?: string;
          trail_percent?: number;
          trail_price?: number;
        };
        Returns: {
          canceled_at: string | null;
          client_order_id: string;
          created_at: string;
          eligible_from: string | null;
          expired_at: string | null;
          expires_at: string | null;
          filled_at: string | null;
          filled_avg_price: number | null;
          filled_notional: number;
          filled_qty: number;
          hwm: number | null;
          id: string;
          last_matched_quote_ts: string | null;
          leg: string | null;
          limit_price: number | null;
          notional: number | null;
          oco_group: string | null;
          order_class: string;
          parent_order_id: string | null;
          portfolio_id: string;
          qty: number | null;
          replaced_by: string | null;
          replaces: string | null;
          reservation_price: number | null;
          reserved_cash: number;
          side: string;
          status: string;
          status_reason: string | null;
          stop_loss_limit_price: number | null;
          stop_loss_stop_price: number | null;
          stop_price: number | null;
          symbol: string;
          take_profit_limit_price: number | null;
          time_in_force: string;
          trail_percent: number | null;
          trail_price: number | null;
          triggered_at: string | null;
          type: string;
          updated_at: string;
          user_id: string;
        };
        SetofOptions: {
          from: '*';
          to: 'orders';
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      reset_portfolio: {
        Args: { portfolio_id: string };
        Returns: {
          base_currency: string;
          created_at: string;
          id: string;
          name: string;
          reset_at: string;
          starting_cash: number;
          updated_at: string;
          user_id: string;
        };
        SetofOptions: {
          from: '*';
          to: 'portfolios';
          isOneToOne: true;
          isSetofReturn: false;
        };
      };
      transfer_cash: { Args: { amount: number; portfolio_id: string }; Returns: number };
    };
    Enums: {
      [_ in never]: never;
    };
    CompositeTypes: {
      [_ in never]: never;
    };
  };
};

type DatabaseWithoutInternals = Omit<Database, '__InternalSupabase'>;

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, 'public'>];

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema['Tables'] & DefaultSchema['Views'])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Tables'] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Views'])
    : never = never,
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Tables'] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Views'])[TableName] extends {
      Row: infer R;
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema['Tables'] & DefaultSchema['Views'])
    ? (DefaultSchema['Tables'] & DefaultSchema['Views'])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R;
      }
      ? R
      : never
    : never;

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema['Tables']
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Tables']
    : never = never,
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Tables'][TableName] extends {
      Insert: infer I;
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema['Tables']
    ? DefaultSchema['Tables'][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I;
      }
      ? I
      : never
    : never;

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema['Tables']
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Tables']
    : never = never,
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Tables'][TableName] extends {
      Update: infer U;
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema['Tables']
    ? DefaultSchema['Tables'][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U;
      }
      ? U
      : never
    : never;

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema['Enums']
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions['schema']]['Enums']
    : never = never,
> = DefaultSchemaEnumNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions['schema']]['Enums'][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema['Enums']
    ? DefaultSchema['Enums'][DefaultSchemaEnumNameOrOptions]
    : never;

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema['CompositeTypes']
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions['schema']]['CompositeTypes']
    : never = never,
> = PublicCompositeTypeNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions['schema']]['CompositeTypes'][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema['CompositeTypes']
    ? DefaultSchema['CompositeTypes'][PublicCompositeTypeNameOrOptions]
    : never;

export const Constants = {
  graphql_public: {
    Enums: {},
  },
  public: {
    Enums: {},
  },
} as const;
